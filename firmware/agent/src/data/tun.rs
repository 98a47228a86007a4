//! The agent's TUN interface and its routes: one route per protected prefix, nothing
//! else (the default route and every other destination stay as they were).

use postern_agent_wire::Prefix;
use postern_rtnetlink::{Request, Routing};
use smoltcp::phy::{Medium, TunTapInterface};
use std::net::{IpAddr, Ipv4Addr};
use std::os::fd::AsRawFd;

/// The TUN interface's MTU. Larger than Ethernet's so that the endpoint's TCP and the
/// agent's stack exchange fewer, larger segments: per-packet work (a read or write on the
/// TUN and a pass through the stack) is what limits a flow's throughput.
pub(crate) const TUN_MTU: u32 = 16 * 1024;

/// The routes set through the TUN device.
pub(crate) struct Tun {
    name: String,
    index: u32,
    routing: Routing,
    routes: Vec<Prefix>,
}

impl Tun {
    /// Creates (or opens) the interface `name`, gives it `address` and sets it up. The
    /// interface, and with it its routes, vanishes when the agent exits.
    pub(crate) fn open(name: &str, address: Ipv4Addr) -> Result<(TunTapInterface, Self), String> {
        let created = TunTapInterface::new(name, Medium::Ip).map_err(|e| format!("creating TUN {name}: {e}"))?;
        let index = nix::net::if_::if_nametoindex(name).map_err(|e| format!("finding {name}: {e}"))?;
        let mut routing = Routing::open().map_err(|e| e.to_string())?;
        routing
            .send(&Request::Mtu { index, mtu: TUN_MTU }, &format!("setting {name}'s MTU"))
            .map_err(|e| e.to_string())?;
        // The device learnt the MTU when it was created: take its descriptor over with the
        // new one. `created` is forgotten, not dropped, so that it does not close it.
        let device = TunTapInterface::from_fd(created.as_raw_fd(), Medium::Ip, TUN_MTU as usize)
            .map_err(|e| format!("opening TUN {name}: {e}"))?;
        std::mem::forget(created);
        let address = IpAddr::V4(address);
        routing
            .send(&Request::Address { index, address, prefix: 32 }, &format!("adding {address} to {name}"))
            .map_err(|e| e.to_string())?;
        routing.send(&Request::LinkUp { index }, &format!("bringing up {name}")).map_err(|e| e.to_string())?;
        Ok((device, Self { name: name.to_owned(), index, routing, routes: Vec::new() }))
    }

    /// Routes exactly `prefixes` through the interface: adds the new, removes the gone.
    pub(crate) fn set_routes(&mut self, prefixes: &[Prefix]) {
        let gone: Vec<Prefix> = self.routes.iter().filter(|p| !prefixes.contains(p)).copied().collect();
        for prefix in gone {
            let request = Request::RemoveRoute { index: self.index, destination: prefix.addr(), prefix: prefix.len() };
            match self.routing.send(&request, &format!("removing the route to {prefix}")) {
                Ok(()) => tracing::info!(tun = %self.name, %prefix, "route removed"),
                Err(error) => tracing::warn!(tun = %self.name, %prefix, %error, "route not removed"),
            }
            self.routes.retain(|p| *p != prefix);
        }
        let new: Vec<Prefix> = prefixes.iter().filter(|p| !self.routes.contains(p)).copied().collect();
        for prefix in new {
            let request = Request::Route { index: self.index, destination: prefix.addr(), prefix: prefix.len() };
            match self.routing.send(&request, &format!("routing {prefix}")) {
                Ok(()) => {
                    tracing::info!(tun = %self.name, %prefix, "route added");
                    self.routes.push(prefix);
                }
                Err(error) => tracing::error!(tun = %self.name, %prefix, %error, "route not added"),
            }
        }
    }
}
