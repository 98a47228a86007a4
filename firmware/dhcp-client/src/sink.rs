//! Applying a lease to the kernel over rtnetlink: its address on the interface, and its
//! router as the default route unless a static one wins.

use crate::machine::Lease;
use crate::shell::LeaseSink;
use postern_rtnetlink::{Request, Routing, RoutingError};
use std::net::IpAddr;

/// Applies leases on one interface.
#[derive(Debug)]
pub struct KernelSink {
    routing: Routing,
    index: u32,
    name: String,
    use_router: bool,
}

impl KernelSink {
    /// A sink for the interface `name` (kernel index `index`); `use_router`: whether the
    /// lease's router becomes the default route (false when a static gateway is set).
    pub fn new(name: &str, index: u32, use_router: bool) -> Result<Self, RoutingError> {
        Ok(Self { routing: Routing::open()?, index, name: name.to_owned(), use_router })
    }

    fn remove(&mut self, lease: &Lease) -> Result<(), RoutingError> {
        let index = self.index;
        if let (true, Some(router)) = (self.use_router, lease.router) {
            let gateway = IpAddr::V4(router);
            // The kernel may have dropped the route with the address already.
            if let Err(e) = self.routing.send(&Request::RemoveDefaultRoute { index, gateway }, "removing the route") {
                tracing::debug!(interface = %self.name, error = %e, "default route already gone");
            }
        }
        let (address, prefix) = (IpAddr::V4(lease.address), lease.prefix);
        self.routing
            .send(&Request::RemoveAddress { index, address, prefix }, &format!("removing {address} from {}", self.name))
    }
}

impl LeaseSink for KernelSink {
    fn bound(&mut self, previous: Option<&Lease>, lease: &Lease) -> Result<(), RoutingError> {
        if let Some(old) = previous.filter(|old| old.address != lease.address || old.prefix != lease.prefix) {
            self.remove(old)?;
        }
        let (index, address, prefix) = (self.index, IpAddr::V4(lease.address), lease.prefix);
        self.routing
            .send(&Request::Address { index, address, prefix }, &format!("adding {address} to {}", self.name))?;
        if let (true, Some(router)) = (self.use_router, lease.router) {
            let gateway = IpAddr::V4(router);
            self.routing.send(&Request::DefaultRoute { index, gateway }, &format!("default route via {router}"))?;
        }
        Ok(())
    }

    fn lost(&mut self, lease: &Lease) -> Result<(), RoutingError> {
        self.remove(lease)
    }
}
