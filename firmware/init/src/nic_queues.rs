//! Spreading each network card's receive and transmit work over the cores: a card with
//! fewer receive queues than cores gets receive packet steering (RPS) over every core,
//! each transmit queue a core of its own (XPS), and the card's interrupts (MSI/MSI-X
//! vectors) go round the cores, as a network box's operator expects (there is no
//! irqbalance on the appliance). A vector whose affinity the kernel manages itself
//! refuses the write and keeps the kernel's spread.

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

/// Which core each of a card's interrupt vectors goes to: round the cores, in vector order.
pub(crate) fn irq_plan(cpus: usize, mut irqs: Vec<u32>) -> Vec<(u32, usize)> {
    if cpus < 2 {
        return Vec::new();
    }
    irqs.sort_unstable();
    irqs.into_iter().enumerate().map(|(i, irq)| (irq, i % cpus)).collect()
}

/// The MSI/MSI-X vectors of interface `name`'s device (none for a virtual interface or a
/// card on a legacy interrupt).
fn msi_irqs(name: &str) -> Vec<u32> {
    let dir = Path::new(SYS_NET).join(name).join("device/msi_irqs");
    std::fs::read_dir(dir).map_or_else(
        |_| Vec::new(),
        |entries| entries.flatten().filter_map(|e| e.file_name().to_string_lossy().parse().ok()).collect(),
    )
}

/// Points each of `name`'s interrupt vectors at its core; returns how many were set.
fn spread_irqs(name: &str, cpus: usize) -> usize {
    let mut set = 0;
    for (irq, cpu) in irq_plan(cpus, msi_irqs(name)) {
        match std::fs::write(format!("/proc/irq/{irq}/smp_affinity_list"), cpu.to_string()) {
            Ok(()) => set += 1,
            Err(error) => tracing::info!(interface = %name, irq, %error, "interrupt affinity left to the kernel"),
        }
    }
    set
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
        let irqs = spread_irqs(&name, cpus);
        tracing::info!(interface = %name, cpus, irqs, "receive and transmit queues spread over the cores");
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
    fn interrupt_vectors_go_round_the_cores_in_vector_order() {
        assert_eq!(irq_plan(1, vec![30, 31]), Vec::<(u32, usize)>::new(), "nothing to spread on one core");
        assert_eq!(irq_plan(2, vec![42, 40, 41]), [(40, 0), (41, 1), (42, 0)]);
        assert_eq!(irq_plan(4, vec![7]), [(7, 0)]);
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
