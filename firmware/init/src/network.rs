//! Networking from the configuration's `[[interfaces]]`: links up, addresses, default
//! routes, over the kernel's routing socket; MTU, rings and offloads; DHCP and SLAAC
//! where configured.

use crate::error::InitError;
use crate::{dhcp, nic_settings};
use postern_config::Interface;
use postern_rtnetlink::{Request, Routing};
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// Brings up `lo`, then each configured interface that is not shut down, with its
/// addresses and default gateway, and a DHCP client where configured (whose router is
/// the default route unless a static IPv4 gateway is set). An interface that does not exist is reported and
/// skipped: the gateway still serves on the others.
pub(crate) fn configure(interfaces: &[Interface]) -> Result<(), InitError> {
    let mut routing = Routing::open()?;
    let lo = index_of("lo", Duration::ZERO)?;
    routing.send(&Request::LinkUp { index: lo }, "bringing up lo")?;
    let static_v4_gateway = interfaces
        .iter()
        .any(|i| !i.shutdown && i.gateway.as_deref().is_some_and(|g| g.parse::<std::net::Ipv4Addr>().is_ok()));
    for interface in interfaces.iter().filter(|i| !i.shutdown) {
        let name = interface.name.as_str();
        let index = match index_of(name, Duration::from_secs(5)) {
            Ok(index) => index,
            Err(e) => {
                tracing::error!(interface = name, error = %e, "configured interface missing; skipped");
                continue;
            }
        };
        dhcp::set_slaac(name, interface.dhcp);
        nic_settings::apply(&mut routing, interface, index);
        routing.send(&Request::LinkUp { index }, &format!("bringing up {name}"))?;
        for text in &interface.addresses {
            let (address, prefix) = parse_cidr(text).ok_or_else(|| InitError::Failed {
                step: format!("address of {name}"),
                reason: format!("{text:?} is not address/prefix"),
            })?;
            routing.send(&Request::Address { index, address, prefix }, &format!("adding {text} to {name}"))?;
        }
        if let Some(gateway) = &interface.gateway {
            let gateway: IpAddr = gateway.parse().map_err(|_| InitError::Failed {
                step: format!("gateway of {name}"),
                reason: format!("{gateway:?} is not an address"),
            })?;
            routing
                .send(&Request::DefaultRoute { index, gateway }, &format!("default route via {gateway} on {name}"))?;
        }
        if interface.dhcp {
            dhcp::start(name, index, !static_v4_gateway);
        }
        tracing::info!(interface = name, addresses = ?interface.addresses, gateway = ?interface.gateway, dhcp = interface.dhcp, "interface up");
    }
    Ok(())
}

fn index_of(name: &str, wait: Duration) -> Result<u32, InitError> {
    let start = Instant::now();
    loop {
        match nix::net::if_::if_nametoindex(name) {
            Ok(index) => return Ok(index),
            Err(e) if start.elapsed() >= wait => return Err(InitError::sys(format!("finding interface {name}"))(e)),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// `192.0.2.10/24` → (address, 24). Validation of the configuration already checked it.
fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (address, prefix) = text.split_once('/')?;
    Some((address.parse().ok()?, prefix.parse().ok()?))
}
