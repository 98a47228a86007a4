//! Which destinations are protected: the control channel's resources, looked up by
//! address and port.

use postern_agent_wire::{Prefix, Resource};
use std::net::{IpAddr, SocketAddr};

/// The protected destinations and the AppTunnel service each maps to.
#[derive(Debug, Clone, Default)]
pub struct Protected {
    resources: Vec<Resource>,
}

/// Whether `addr` lies in `prefix` (whose length never exceeds its family's).
fn contains(prefix: &Prefix, addr: IpAddr) -> bool {
    let len = u32::from(prefix.len());
    match (prefix.addr(), addr) {
        (IpAddr::V4(net), IpAddr::V4(a)) => len == 0 || (u32::from(net) ^ u32::from(a)) >> (32 - len) == 0,
        (IpAddr::V6(net), IpAddr::V6(a)) => len == 0 || (u128::from(net) ^ u128::from(a)) >> (128 - len) == 0,
        _ => false,
    }
}

impl Protected {
    /// The destinations of `resources` (as the gateway sent them).
    pub fn new(resources: Vec<Resource>) -> Self {
        Self { resources }
    }

    /// The resources.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// Every prefix of every resource, once each (the routes the agent sets).
    pub fn prefixes(&self) -> Vec<Prefix> {
        let mut all: Vec<Prefix> = Vec::new();
        for prefix in self.resources.iter().flat_map(|r| r.prefixes.iter()) {
            if !all.contains(prefix) {
                all.push(*prefix);
            }
        }
        all
    }

    /// The resource `destination` belongs to: the first whose prefixes hold the address
    /// and whose ports hold the port (a resource listing no ports covers all).
    pub fn lookup(&self, destination: SocketAddr) -> Option<&Resource> {
        self.resources.iter().find(|r| {
            r.prefixes.iter().any(|p| contains(p, destination.ip()))
                && (r.ports.is_empty() || r.ports.contains(&destination.port()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resource(prefix: &str, ports: &[u16]) -> Resource {
        Resource {
            name: "intranet".into(),
            service: "crm".into(),
            prefixes: vec![prefix.parse().expect("prefix")],
            ports: ports.to_vec(),
            names: Vec::new(),
        }
    }

    #[test]
    fn a_destination_is_protected_only_inside_a_prefix_and_on_a_listed_port() {
        let protected = Protected::new(vec![resource("10.200.0.0/24", &[80, 443])]);
        let at = |s: &str| protected.lookup(s.parse().expect("addr")).map(|r| r.service.as_str());
        assert_eq!(at("10.200.0.5:80"), Some("crm"));
        assert_eq!(at("10.200.0.255:443"), Some("crm"));
        assert_eq!(at("10.200.0.5:22"), None);
        assert_eq!(at("10.200.1.5:80"), None);
        assert_eq!(at("[fd00::1]:80"), None);
    }

    #[test]
    fn no_ports_means_all_ports_and_host_prefixes_match_one_address() {
        let protected = Protected::new(vec![resource("10.1.2.3/32", &[]), resource("fd00::/8", &[22])]);
        let at = |s: &str| protected.lookup(s.parse().expect("addr")).is_some();
        assert!(at("10.1.2.3:1"));
        assert!(!at("10.1.2.4:1"));
        assert!(at("[fd12::1]:22"));
        assert!(!at("[fe80::1]:22"));
        assert_eq!(protected.prefixes().len(), 2);
    }
}
