//! The network interfaces' counters as the kernel keeps them
//! (`/sys/class/net/<name>/statistics/`), exported as
//! `postern_interface_<counter>_total{interface="<name>"}`, read at each scrape.

use crate::error::MetricsError;
use crate::registry::Registry;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the kernel lists network interfaces.
pub const SYS_NET: &str = "/sys/class/net";

/// The counters exported: (file under `statistics/`, help).
const COUNTERS: [(&str, &str); 8] = [
    ("rx_bytes", "Bytes received on the interface."),
    ("rx_packets", "Packets received on the interface."),
    ("rx_errors", "Receive errors on the interface."),
    ("rx_dropped", "Received packets dropped on the interface."),
    ("tx_bytes", "Bytes sent on the interface."),
    ("tx_packets", "Packets sent on the interface."),
    ("tx_errors", "Transmit errors on the interface."),
    ("tx_dropped", "Packets dropped on transmit on the interface."),
];

/// Registers the interface counters of the tree at `root` (on the appliance [`SYS_NET`]);
/// loopback is left out.
pub fn register(registry: &Registry, root: &Path) -> Result<(), MetricsError> {
    for (counter, help) in COUNTERS {
        let root: PathBuf = root.to_owned();
        let collect = Arc::new(move || read(&root, counter));
        registry.collected_counter(&format!("postern_interface_{counter}_total"), help, "interface", collect)?;
    }
    Ok(())
}

/// Each interface's `counter`, sorted by name.
fn read(root: &Path, counter: &str) -> Vec<(String, u64)> {
    let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
    let mut samples: Vec<(String, u64)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name() != "lo")
        .filter_map(|e| {
            let text = std::fs::read_to_string(e.path().join("statistics").join(counter)).ok()?;
            Some((e.file_name().to_string_lossy().into_owned(), text.trim().parse().ok()?))
        })
        .collect();
    samples.sort();
    samples
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_interfaces_counters_are_exported_with_its_name() {
        let root = tempfile::tempdir().expect("temp dir");
        for (name, errors) in [("wan", "7\n"), ("lan", "0\n"), ("lo", "5\n")] {
            let stats = root.path().join(name).join("statistics");
            std::fs::create_dir_all(&stats).expect("dir");
            std::fs::write(stats.join("rx_errors"), errors).expect("counter");
        }
        let registry = Registry::new();
        register(&registry, root.path()).expect("registered");
        let text = registry.render();
        assert!(text.contains("# TYPE postern_interface_rx_errors_total counter\n"), "{text}");
        let samples = "postern_interface_rx_errors_total{interface=\"lan\"} 0\n\
                       postern_interface_rx_errors_total{interface=\"wan\"} 7\n";
        assert!(text.contains(samples), "{text}");
        assert!(!text.contains("\"lo\""), "loopback is left out: {text}");
        // The kernel's count moves: the next scrape shows it.
        std::fs::write(root.path().join("wan/statistics/rx_errors"), "9\n").expect("counter");
        assert!(registry.render().contains("{interface=\"wan\"} 9\n"));
    }
}
