//! Networking from the configuration's `[[interfaces]]` at boot: `lo` up, then the plan
//! from nothing to the configuration (`postern-network`: links, MTU, rings and offloads,
//! addresses, default routes, SLAAC), then a DHCP client where configured.

use crate::dhcp;
use crate::error::InitError;
use postern_config::Interface;
use postern_rtnetlink::{Request, Routing};

/// Brings up `lo`, then each configured interface that is not shut down, with its
/// addresses and default gateway, and a DHCP client where configured (whose router is
/// the default route unless a static IPv4 gateway is set). An interface that does not
/// exist is reported and skipped: the gateway still serves on the others.
pub(crate) fn configure(interfaces: &[Interface]) -> Result<(), InitError> {
    let mut routing = Routing::open()?;
    let lo = nix::net::if_::if_nametoindex("lo").map_err(InitError::sys("finding interface lo"))?;
    routing.send(&Request::LinkUp { index: lo }, "bringing up lo")?;
    let plan = postern_network::plan(&[], interfaces);
    let applied = postern_network::apply(&plan)?;
    let static_v4_gateway = interfaces
        .iter()
        .any(|i| !i.shutdown && i.gateway.as_deref().is_some_and(|g| g.parse::<std::net::Ipv4Addr>().is_ok()));
    for interface in interfaces.iter().filter(|i| i.dhcp && !i.shutdown) {
        if let Some(index) = applied.index_of(&interface.name) {
            dhcp::start(&interface.name, index, !static_v4_gateway);
        }
    }
    Ok(())
}
