//! An interface's MTU, ring sizes and offloads, applied through the kernel's interfaces
//! (rtnetlink, ethtool netlink). What a driver refuses is logged and recorded, one line
//! each, in `<refused_dir>/<name>.refused` for `show interfaces`; the interface still comes up.

use crate::change::NicSettings;
use postern_rtnetlink::ethtool::{Ethtool, Offload};
use postern_rtnetlink::{Request, Routing};
use std::path::Path;

/// Applies `settings` to `name` (kernel index `index`); returns what was refused.
pub(crate) fn apply(
    routing: &mut Routing,
    name: &str,
    index: u32,
    settings: &NicSettings,
    refused_dir: &Path,
) -> Vec<String> {
    let mut refused = Vec::new();
    if let Some(mtu) = settings.mtu
        && let Err(e) = routing.send(&Request::Mtu { index, mtu }, "setting the MTU")
    {
        refused.push(format!("mtu {mtu}: {}", e.source.desc()));
    }
    let rings = settings.rx_ring.is_some() || settings.tx_ring.is_some();
    if rings || !settings.offloads.is_empty() {
        match Ethtool::open() {
            Ok(mut ethtool) => {
                if rings {
                    set_rings(&mut ethtool, settings, index, &mut refused);
                }
                offloads(&mut ethtool, &settings.offloads, index, &mut refused);
            }
            Err(e) => refused.push(format!("rings and offloads: {e}")),
        }
    }
    record(name, settings, &refused, refused_dir);
    refused
}

fn offloads(ethtool: &mut Ethtool, wanted: &[(Offload, bool)], index: u32, refused: &mut Vec<String>) {
    if wanted.is_empty() {
        return;
    }
    match ethtool.set_offloads(index, wanted) {
        Ok(kept) => refused.extend(kept.iter().map(|(o, on)| {
            let (asked, kept) = if *on { ("on", "off") } else { ("off", "on") };
            format!("offload {} {asked}: the driver keeps it {kept}", o.name())
        })),
        Err(e) => refused.push(format!("offloads: {e}")),
    }
}

fn set_rings(ethtool: &mut Ethtool, settings: &NicSettings, index: u32, refused: &mut Vec<String>) {
    let (rx, tx) = (settings.rx_ring, settings.tx_ring);
    let limits = match ethtool.rings(index) {
        Ok(limits) => limits,
        Err(e) => {
            return refused.push(format!("rx-ring/tx-ring: the driver has no ring settings ({})", e.source.desc()));
        }
    };
    let too_big = [("rx-ring", rx, limits.rx_max), ("tx-ring", tx, limits.tx_max)]
        .into_iter()
        .filter_map(|(name, size, max)| Some((name, size?, max)))
        .filter(|(_, size, max)| size > max)
        .map(|(name, size, max)| format!("{name} {size}: above the driver's maximum {max}"))
        .collect::<Vec<_>>();
    if !too_big.is_empty() {
        return refused.extend(too_big);
    }
    if let Err(e) = ethtool.set_rings(index, rx, tx) {
        refused.push(format!("rx-ring/tx-ring: {}", e.source.desc()));
    }
}

/// Whether a recorded refusal is about a setting `settings` applies again (and so is
/// replaced by this application's outcome).
fn superseded(line: &str, settings: &NicSettings) -> bool {
    let rings = settings.rx_ring.is_some() || settings.tx_ring.is_some();
    settings.whole
        || (settings.mtu.is_some() && line.starts_with("mtu "))
        || (rings && (line.starts_with("rx-ring") || line.starts_with("tx-ring")))
        || (!settings.offloads.is_empty() && line.starts_with("offload"))
        || ((rings || !settings.offloads.is_empty()) && line.starts_with("rings and offloads"))
}

/// The record after an application: the earlier lines still true, then the new refusals.
pub(crate) fn merged(earlier: &str, settings: &NicSettings, refused: &[String]) -> Vec<String> {
    let kept = earlier.lines().filter(|l| !l.is_empty() && !superseded(l, settings)).map(str::to_owned);
    kept.chain(refused.iter().cloned()).collect()
}

fn record(name: &str, settings: &NicSettings, refused: &[String], dir: &Path) {
    for what in refused {
        tracing::error!(interface = name, refused = %what, "the driver refused a configured setting");
    }
    let path = dir.join(format!("{name}.refused"));
    let earlier = if settings.whole { String::new() } else { std::fs::read_to_string(&path).unwrap_or_default() };
    let lines = merged(&earlier, settings, refused);
    let result = if lines.is_empty() {
        std::fs::remove_file(&path).or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) })
    } else {
        std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, lines.join("\n") + "\n"))
    };
    if let Err(error) = result {
        tracing::error!(interface = name, %error, "refused settings not recorded");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_replaces_only_the_refusals_of_the_settings_it_applies_again() {
        let earlier = "rx-ring 8192: above the driver's maximum 4096\noffload tso off: the driver keeps it on\n";
        let mtu_only = NicSettings { mtu: Some(9000), ..NicSettings::default() };
        assert_eq!(
            merged(earlier, &mtu_only, &[]),
            ["rx-ring 8192: above the driver's maximum 4096", "offload tso off: the driver keeps it on"]
        );
        let offloads = NicSettings { offloads: vec![(Offload::Gro, true)], ..NicSettings::default() };
        assert_eq!(merged(earlier, &offloads, &[]), ["rx-ring 8192: above the driver's maximum 4096"]);
        let rings = NicSettings { rx_ring: Some(1024), ..NicSettings::default() };
        assert_eq!(merged(earlier, &rings, &["mtu x".into()]), ["offload tso off: the driver keeps it on", "mtu x"]);
        let whole = NicSettings { whole: true, ..NicSettings::default() };
        assert!(merged(earlier, &whole, &[]).is_empty(), "a newly configured interface starts afresh");
    }
}
