//! An interface's MTU, ring sizes and offloads from the configuration, applied through the
//! kernel's interfaces (rtnetlink, ethtool netlink). What a driver refuses is logged and
//! recorded in [`REFUSED_DIR`] for `show interfaces`; the interface still comes up.

use postern_config::Interface;
use postern_rtnetlink::ethtool::{Ethtool, Offload};
use postern_rtnetlink::{REFUSED_DIR, Request, Routing};
use std::path::Path;

/// Applies the settings of `interface` (kernel index `index`); returns what was refused.
pub(crate) fn apply(routing: &mut Routing, interface: &Interface, index: u32) -> Vec<String> {
    let mut refused = Vec::new();
    if let Some(mtu) = interface.mtu
        && let Err(e) = routing.send(&Request::Mtu { index, mtu }, "setting the MTU")
    {
        refused.push(format!("mtu {mtu}: {}", e.source.desc()));
    }
    let wanted_offloads: Vec<(Offload, bool)> =
        Offload::ALL.iter().filter_map(|o| interface.offloads.get(o.name()).map(|on| (*o, *on))).collect();
    if interface.rx_ring.is_some() || interface.tx_ring.is_some() || !wanted_offloads.is_empty() {
        match Ethtool::open() {
            Ok(mut ethtool) => {
                rings(&mut ethtool, interface, index, &mut refused);
                match ethtool.set_offloads(index, &wanted_offloads) {
                    Ok(kept) => refused.extend(kept.iter().map(|(o, on)| {
                        let (asked, kept) = if *on { ("on", "off") } else { ("off", "on") };
                        format!("offload {} {asked}: the driver keeps it {kept}", o.name())
                    })),
                    Err(e) if !wanted_offloads.is_empty() => refused.push(format!("offloads: {e}")),
                    Err(_) => {}
                }
            }
            Err(e) => refused.push(format!("rings and offloads: {e}")),
        }
    }
    record(&interface.name, &refused);
    refused
}

fn rings(ethtool: &mut Ethtool, interface: &Interface, index: u32, refused: &mut Vec<String>) {
    let (rx, tx) = (interface.rx_ring, interface.tx_ring);
    if rx.is_none() && tx.is_none() {
        return;
    }
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

fn record(name: &str, refused: &[String]) {
    for what in refused {
        tracing::error!(interface = name, refused = %what, "the driver refused a configured setting");
    }
    let path = Path::new(REFUSED_DIR).join(format!("{name}.refused"));
    let result = if refused.is_empty() {
        std::fs::remove_file(&path).or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) })
    } else {
        std::fs::create_dir_all(REFUSED_DIR).and_then(|()| std::fs::write(&path, refused.join("\n") + "\n"))
    };
    if let Err(error) = result {
        tracing::error!(interface = name, %error, "refused settings not recorded");
    }
}
