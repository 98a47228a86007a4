//! Spreading each network card's receive and transmit work over the cores: a card with
//! fewer receive queues than cores gets receive packet steering (RPS) over every core, and
//! each transmit queue a core of its own (XPS), as a network box's operator expects.

use std::path::Path;

/// Where the kernel lists network interfaces.
const SYS_NET: &str = "/sys/class/net";

/// What to write for one interface: (file under its `queues/`, CPU mask).
pub(crate) fn plan(cpus: usize, rx_queues: usize, tx_queues: usize) -> Vec<(String, String)> {
    let mut writes = Vec::new();
    if cpus < 2 {
        return writes;
    }
    if rx_queues < cpus {
        let all: Vec<usize> = (0..cpus).collect();
        for queue in 0..rx_queues {
            writes.push((format!("rx-{queue}/rps_cpus"), mask(&all)));
        }
    }
    for queue in 0..tx_queues {
        writes.push((format!("tx-{queue}/xps_cpus"), mask(&[queue % cpus])));
    }
    writes
}

/// The kernel's CPU mask text: hex, in comma-separated groups of 32 CPUs, highest first.
pub(crate) fn mask(cpus: &[usize]) -> String {
    let words = cpus.iter().max().map_or(1, |m| m / 32 + 1);
    let mut bits = vec![0u32; words];
    for &cpu in cpus {
        bits[cpu / 32] |= 1 << (cpu % 32);
    }
    let mut groups: Vec<String> = bits.iter().rev().map(|w| format!("{w:08x}")).collect();
    if let Some(first) = groups.first_mut() {
        let trimmed = first.trim_start_matches('0');
        *first = if trimmed.is_empty() { "0".into() } else { trimmed.into() };
    }
    groups.join(",")
}

/// Applies the plan to every interface but loopback and those named in `unsteered`;
/// returns how many queues were set. A queue the kernel refuses (a driver without the
/// file) is logged and skipped.
pub(crate) fn spread(unsteered: &[&str]) -> usize {
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let Ok(links) = std::fs::read_dir(SYS_NET) else { return 0 };
    let mut set = 0;
    for link in links.flatten() {
        let name = link.file_name().to_string_lossy().into_owned();
        let queues = link.path().join("queues");
        if name == "lo" || !queues.is_dir() {
            continue;
        }
        if unsteered.contains(&name.as_str()) {
            tracing::info!(interface = %name, "receive and transmit steering off, as configured");
            continue;
        }
        let count = |prefix: &str| {
            std::fs::read_dir(&queues)
                .map_or(0, |d| d.flatten().filter(|e| e.file_name().to_string_lossy().starts_with(prefix)).count())
        };
        for (file, mask) in plan(cpus, count("rx-"), count("tx-")) {
            match std::fs::write(Path::new(&queues).join(&file), &mask) {
                Ok(()) => set += 1,
                Err(error) => tracing::warn!(interface = %name, queue = %file, %error, "queue steering not set"),
            }
        }
        tracing::info!(interface = %name, cpus, "receive and transmit queues spread over the cores");
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_are_written_as_the_kernel_reads_them() {
        assert_eq!(mask(&[0]), "1");
        assert_eq!(mask(&[0, 1]), "3");
        assert_eq!(mask(&[0, 1, 2, 3, 4, 5, 6, 7]), "ff");
        assert_eq!(mask(&[33]), "2,00000000");
        assert_eq!(mask(&(0..40).collect::<Vec<_>>()), "ff,ffffffff");
    }

    #[test]
    fn a_single_queue_card_steers_over_every_core_and_each_tx_queue_gets_one() {
        assert_eq!(plan(1, 1, 1), Vec::<(String, String)>::new(), "nothing to spread on one core");
        assert_eq!(
            plan(4, 1, 2),
            [
                ("rx-0/rps_cpus".into(), "f".into()),
                ("tx-0/xps_cpus".into(), "1".into()),
                ("tx-1/xps_cpus".into(), "2".into())
            ]
        );
        let multi = plan(2, 4, 4);
        assert!(
            multi.iter().all(|(f, _)| f.starts_with("tx-")),
            "a card with a queue per core steers in hardware: {multi:?}"
        );
    }
}
