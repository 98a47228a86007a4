//! Which names are protected, and by which resource.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use postern_agent_wire::Resource;

/// What the resolver needs of the resource a protected name belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Protected {
    /// The resource's name.
    pub resource: String,
    /// Its IPv4 host prefixes (`/32`): the fixed addresses an A query is answered with.
    pub v4: Vec<Ipv4Addr>,
    /// Its IPv6 host prefixes (`/128`): the fixed addresses an AAAA query is answered with.
    pub v6: Vec<Ipv6Addr>,
}

/// The protected names of a resource list: exact names, and wildcard suffixes
/// (`*.corp.example` covers every name below `corp.example`, not itself).
#[derive(Debug, Clone, Default)]
pub struct NameTable {
    exact: BTreeMap<String, Protected>,
    suffixes: BTreeMap<String, Protected>,
}

impl NameTable {
    /// The table of `resources` (names as the wire checked them: lower case).
    pub fn new(resources: &[Resource]) -> Self {
        let mut table = Self::default();
        for resource in resources {
            let protected = Protected {
                resource: resource.name.clone(),
                v4: hosts(resource, |a| match a {
                    IpAddr::V4(a) => Some(a),
                    IpAddr::V6(_) => None,
                }),
                v6: hosts(resource, |a| match a {
                    IpAddr::V6(a) => Some(a),
                    IpAddr::V4(_) => None,
                }),
            };
            for name in &resource.names {
                match name.strip_prefix("*.") {
                    Some(suffix) => table.suffixes.insert(suffix.into(), protected.clone()),
                    None => table.exact.insert(name.clone(), protected.clone()),
                };
            }
        }
        table
    }

    /// The resource protecting `name` (lower-case dotted text): an exact name first,
    /// then the longest wildcard suffix.
    pub fn lookup(&self, name: &str) -> Option<&Protected> {
        if let Some(found) = self.exact.get(name) {
            return Some(found);
        }
        let mut rest = name;
        while let Some((_, parent)) = rest.split_once('.') {
            if let Some(found) = self.suffixes.get(parent) {
                return Some(found);
            }
            rest = parent;
        }
        None
    }

    /// Whether no name is protected.
    pub fn is_empty(&self) -> bool {
        self.exact.is_empty() && self.suffixes.is_empty()
    }
}

fn hosts<A>(resource: &Resource, family: impl Fn(IpAddr) -> Option<A>) -> Vec<A> {
    resource
        .prefixes
        .iter()
        .filter(|p| p.len() == if p.addr().is_ipv4() { 32 } else { 128 })
        .filter_map(|p| family(p.addr()))
        .collect()
}
