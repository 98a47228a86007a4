//! `show interfaces`: each network interface as the kernel reports it (state, driver,
//! speed, queues, addresses, counters), beside what the running configuration says, and
//! the DHCP lease of an interface configured for DHCP.

use crate::backend::{CliBackend, Outcome};
use core::fmt::Write;
use postern_dhcp_client::lease_file::{LEASE_DIR, LeaseRecord};
use postern_logging::utc_time;
use postern_rtnetlink::REFUSED_DIR;
use postern_rtnetlink::ethtool::{Ethtool, Offload};
use postern_rtnetlink::ethtool_msg::Rings;
use std::collections::BTreeMap;
use std::path::Path;

/// Where the kernel lists network interfaces.
const SYS_NET: &str = "/sys/class/net";
/// The counters shown, as named in `statistics/`.
const COUNTERS: [&str; 8] =
    ["rx_bytes", "rx_packets", "rx_errors", "rx_dropped", "tx_bytes", "tx_packets", "tx_errors", "tx_dropped"];

/// One interface as the kernel reports it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Link {
    pub(crate) name: String,
    pub(crate) state: String,
    pub(crate) mac: String,
    pub(crate) mtu: Option<u32>,
    /// Mb/s; absent where the driver does not say (virtual links, link down).
    pub(crate) speed: Option<u32>,
    pub(crate) duplex: Option<String>,
    pub(crate) driver: Option<String>,
    pub(crate) rx_queues: usize,
    pub(crate) tx_queues: usize,
    /// The receive packet steering mask of the first receive queue (hex), if set.
    pub(crate) rps: Option<String>,
    pub(crate) counters: BTreeMap<&'static str, u64>,
}

/// Reads every interface under `root` (a `/sys/class/net` tree), sorted by name.
pub(crate) fn read_links(root: &Path) -> Vec<Link> {
    let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
    let mut links: Vec<Link> = entries.filter_map(Result::ok).map(|e| read_link(&e.path())).collect();
    links.sort_by(|a, b| a.name.cmp(&b.name));
    links
}

fn read_link(dir: &Path) -> Link {
    let text = |name: &str| {
        std::fs::read_to_string(dir.join(name)).ok().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
    };
    let queues = |prefix: &str| {
        std::fs::read_dir(dir.join("queues"))
            .map(|d| d.filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().starts_with(prefix)).count())
            .unwrap_or(0)
    };
    let counters = COUNTERS
        .iter()
        .filter_map(|&c| Some((c, std::fs::read_to_string(dir.join("statistics").join(c)).ok()?.trim().parse().ok()?)))
        .collect();
    Link {
        name: dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        state: text("operstate").unwrap_or_else(|| "unknown".into()),
        mac: text("address").unwrap_or_default(),
        mtu: text("mtu").and_then(|m| m.parse().ok()),
        // The kernel says -1 (or refuses the read) when the speed is unknown.
        speed: text("speed").and_then(|s| s.parse::<i64>().ok()).and_then(|s| u32::try_from(s).ok()),
        duplex: text("duplex").filter(|d| d != "unknown"),
        driver: std::fs::read_link(dir.join("device/driver"))
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())),
        rps: text("queues/rx-0/rps_cpus").filter(|m| !m.trim_start_matches(['0', ',']).is_empty()),
        rx_queues: queues("rx-"),
        tx_queues: queues("tx-"),
        counters,
    }
}

/// The addresses of each interface, `address/prefix`.
fn addresses() -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Ok(all) = nix::ifaddrs::getifaddrs() else { return out };
    for entry in all {
        let (Some(address), Some(mask)) = (entry.address, entry.netmask) else { continue };
        let text = match (
            address.as_sockaddr_in(),
            mask.as_sockaddr_in(),
            address.as_sockaddr_in6(),
            mask.as_sockaddr_in6(),
        ) {
            (Some(a), Some(m), _, _) => format!("{}/{}", a.ip(), m.ip().to_bits().count_ones()),
            (_, _, Some(a), Some(m)) => format!("{}/{}", a.ip(), m.ip().to_bits().count_ones()),
            _ => continue,
        };
        out.entry(entry.interface_name).or_default().push(text);
    }
    out
}

/// Writes one interface.
pub(crate) fn describe(
    link: &Link,
    addresses: &[String],
    configured: Option<&str>,
    out: &mut dyn Write,
) -> core::fmt::Result {
    write!(out, "{} is {}", link.name, link.state)?;
    if let Some(driver) = &link.driver {
        write!(out, ", driver {driver}")?;
    }
    match (link.speed, &link.duplex) {
        (Some(speed), Some(duplex)) => write!(out, ", {speed} Mb/s {duplex} duplex")?,
        (Some(speed), None) => write!(out, ", {speed} Mb/s")?,
        _ => {}
    }
    if let Some(mtu) = link.mtu {
        write!(out, ", MTU {mtu}")?;
    }
    if !link.mac.is_empty() {
        write!(out, ", MAC {}", link.mac)?;
    }
    writeln!(out)?;
    let shown = if addresses.is_empty() { "none".to_owned() } else { addresses.join(", ") };
    writeln!(out, "  addresses {shown}")?;
    write!(out, "  queues rx {} tx {}", link.rx_queues, link.tx_queues)?;
    match &link.rps {
        Some(mask) => writeln!(out, ", receive steering over CPUs {mask}")?,
        None => writeln!(out)?,
    }
    let c = |name: &str| link.counters.get(name).copied().unwrap_or(0);
    writeln!(
        out,
        "  rx {} bytes {} packets {} errors {} dropped; tx {} bytes {} packets {} errors {} dropped",
        c("rx_bytes"),
        c("rx_packets"),
        c("rx_errors"),
        c("rx_dropped"),
        c("tx_bytes"),
        c("tx_packets"),
        c("tx_errors"),
        c("tx_dropped")
    )?;
    writeln!(out, "  configured: {}", configured.unwrap_or("not in the running configuration"))
}

/// What the driver reports through ethtool: offloads and ring sizes.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Tuning {
    /// Each offload and whether it is on; empty when the driver does not say.
    pub(crate) offloads: Vec<(&'static str, bool)>,
    /// Ring sizes, when the driver has them.
    pub(crate) rings: Option<Rings>,
    /// Configured settings the driver refused at boot.
    pub(crate) refused: Vec<String>,
}

/// Reads the tuning of the interface `name` from the kernel and init's record.
fn read_tuning(ethtool: Option<&mut Ethtool>, name: &str) -> Tuning {
    let mut tuning = Tuning::default();
    if let (Some(ethtool), Ok(index)) = (ethtool, nix::net::if_::if_nametoindex(name)) {
        if let Ok(active) = ethtool.active_features(index) {
            tuning.offloads = Offload::ALL.iter().map(|o| (o.name(), o.is_on(&active))).collect();
        }
        tuning.rings = ethtool.rings(index).ok().filter(|r| r.rx_max > 0 || r.tx_max > 0);
    }
    let refused = std::fs::read_to_string(Path::new(REFUSED_DIR).join(format!("{name}.refused"))).unwrap_or_default();
    tuning.refused = refused.lines().map(str::to_owned).collect();
    tuning
}

/// The offload, ring and refusal lines of an interface.
pub(crate) fn describe_tuning(tuning: &Tuning, out: &mut dyn Write) -> core::fmt::Result {
    if !tuning.offloads.is_empty() {
        let shown: Vec<String> =
            tuning.offloads.iter().map(|(name, on)| format!("{name} {}", if *on { "on" } else { "off" })).collect();
        writeln!(out, "  offloads {}", shown.join(", "))?;
    }
    if let Some(r) = tuning.rings {
        writeln!(out, "  rings rx {} (max {}) tx {} (max {})", r.rx, r.rx_max, r.tx, r.tx_max)?;
    }
    for what in &tuning.refused {
        writeln!(out, "  refused by the driver: {what}")?;
    }
    Ok(())
}

/// The DHCP line of an interface configured for DHCP: its lease, or why there is none.
pub(crate) fn describe_lease(lease: Result<Option<LeaseRecord>, String>, out: &mut dyn Write) -> core::fmt::Result {
    let lease = match lease {
        Ok(Some(lease)) => lease,
        Ok(None) => return writeln!(out, "  dhcp: no lease (asking)"),
        Err(error) => return writeln!(out, "  dhcp: lease unreadable: {error}"),
    };
    write!(out, "  dhcp lease {}/{} from {}", lease.address, lease.prefix, lease.server)?;
    if let Some(router) = lease.router {
        write!(out, ", router {router}")?;
    }
    if !lease.dns_servers.is_empty() {
        let dns: Vec<String> = lease.dns_servers.iter().map(ToString::to_string).collect();
        write!(out, ", dns {}", dns.join(" "))?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "    obtained {}, renews {}, expires {}",
        utc_time(lease.obtained),
        utc_time(lease.renews),
        utc_time(lease.expires)
    )
}

/// `show interfaces`.
pub(crate) fn show(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let links = read_links(Path::new(SYS_NET));
    let addresses = addresses();
    let running = session.appliance().store().running().clone();
    let mut ethtool = Ethtool::open().ok();
    for link in &links {
        let configured = running.interfaces.iter().find(|i| i.name == link.name).map(|i| {
            let mut text = if i.shutdown { "shutdown".to_owned() } else { "no shutdown".to_owned() };
            if let Some(mac) = &i.match_mac {
                text.push_str(&format!(", match mac {mac}"));
            }
            if let Some(pci) = &i.match_pci {
                text.push_str(&format!(", match pci {pci}"));
            }
            for a in &i.addresses {
                text.push_str(&format!(", ip address {a}"));
            }
            if i.dhcp {
                text.push_str(", ip address dhcp");
            }
            for (name, value) in [("mtu", i.mtu), ("rx-ring", i.rx_ring), ("tx-ring", i.tx_ring)] {
                if let Some(value) = value {
                    text.push_str(&format!(", {name} {value}"));
                }
            }
            for (name, on) in &i.offloads {
                text.push_str(&format!(", offload {name} {}", if *on { "on" } else { "off" }));
            }
            if !i.steering {
                text.push_str(", no steering");
            }
            text
        });
        describe(link, addresses.get(&link.name).map_or(&[], Vec::as_slice), configured.as_deref(), out)?;
        describe_tuning(&read_tuning(ethtool.as_mut(), &link.name), out)?;
        if running.interfaces.iter().any(|i| i.name == link.name && i.dhcp && !i.shutdown) {
            let lease = LeaseRecord::read(Path::new(LEASE_DIR), &link.name).map_err(|e| e.to_string());
            describe_lease(lease, out)?;
        }
    }
    for missing in running.interfaces.iter().filter(|i| !links.iter().any(|l| l.name == i.name)) {
        writeln!(out, "{} is configured but not present", missing.name)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sysfs_tree_is_read_and_described() {
        let dir = tempfile::tempdir().expect("temp dir");
        let drivers = tempfile::tempdir().expect("temp dir");
        let eth = dir.path().join("eth9");
        std::fs::create_dir_all(eth.join("statistics")).expect("dirs");
        std::fs::create_dir_all(eth.join("queues/rx-0")).expect("dirs");
        std::fs::write(eth.join("queues/rx-0/rps_cpus"), "3\n").expect("rps");
        std::fs::create_dir_all(eth.join("queues/rx-1")).expect("dirs");
        std::fs::create_dir_all(eth.join("queues/tx-0")).expect("dirs");
        std::fs::create_dir_all(drivers.path().join("e1000e")).expect("dirs");
        std::fs::create_dir_all(eth.join("device")).expect("dirs");
        std::os::unix::fs::symlink(drivers.path().join("e1000e"), eth.join("device/driver")).expect("link");
        for (file, text) in [
            ("operstate", "up\n"),
            ("address", "52:54:00:12:34:56\n"),
            ("mtu", "1500\n"),
            ("speed", "1000\n"),
            ("duplex", "full\n"),
        ] {
            std::fs::write(eth.join(file), text).expect("write");
        }
        std::fs::write(eth.join("statistics/rx_errors"), "3\n").expect("write");
        let links = read_links(dir.path());
        let names: Vec<&str> = links.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["eth9"]);
        let link = &links[0];
        assert_eq!(
            (link.driver.as_deref(), link.speed, link.rx_queues, link.tx_queues),
            (Some("e1000e"), Some(1000), 2, 1)
        );
        let mut text = String::new();
        describe(link, &["192.0.2.1/24".to_owned()], Some("no shutdown"), &mut text).expect("text");
        assert!(
            text.starts_with("eth9 is up, driver e1000e, 1000 Mb/s full duplex, MTU 1500, MAC 52:54:00:12:34:56\n"),
            "{text}"
        );
        assert!(text.contains("addresses 192.0.2.1/24") && text.contains("rx 0 bytes 0 packets 3 errors"), "{text}");
        assert!(text.contains("queues rx 2 tx 1, receive steering over CPUs 3"), "{text}");
    }

    #[test]
    fn a_lease_is_shown_with_its_server_router_dns_and_times() {
        let lease = LeaseRecord {
            address: "10.0.2.15".parse().expect("address"),
            prefix: 24,
            router: Some("10.0.2.2".parse().expect("address")),
            dns_servers: vec!["10.0.2.3".parse().expect("address")],
            server: "10.0.2.2".parse().expect("address"),
            obtained: 1_796_487_005,
            renews: 1_796_530_205,
            expires: 1_796_573_405,
        };
        let mut text = String::new();
        describe_lease(Ok(Some(lease)), &mut text).expect("text");
        assert_eq!(
            text,
            "  dhcp lease 10.0.2.15/24 from 10.0.2.2, router 10.0.2.2, dns 10.0.2.3\n    obtained 2026-12-05 16:10:05 UTC, \
             renews 2026-12-06 04:10:05 UTC, expires 2026-12-06 16:10:05 UTC\n"
        );
        let mut text = String::new();
        describe_lease(Ok(None), &mut text).expect("text");
        assert_eq!(text, "  dhcp: no lease (asking)\n");
    }

    #[test]
    fn offloads_rings_and_refusals_are_described() {
        let tuning = Tuning {
            offloads: vec![("gro", true), ("tso", false)],
            rings: Some(Rings { rx: 256, tx: 256, rx_max: 4096, tx_max: 4096 }),
            refused: vec!["rx-ring 8192: above the driver's maximum 4096".into()],
        };
        let mut text = String::new();
        describe_tuning(&tuning, &mut text).expect("text");
        assert_eq!(
            text,
            "  offloads gro on, tso off\n  rings rx 256 (max 4096) tx 256 (max 4096)\n  \
             refused by the driver: rx-ring 8192: above the driver's maximum 4096\n"
        );
    }

    #[test]
    fn the_loopback_of_this_machine_is_found_with_its_address() {
        let links = read_links(Path::new(SYS_NET));
        assert!(links.iter().any(|l| l.name == "lo" && l.driver.is_none()), "{links:?}");
        assert!(addresses().get("lo").is_some_and(|a| a.iter().any(|a| a == "127.0.0.1/8")));
    }
}
