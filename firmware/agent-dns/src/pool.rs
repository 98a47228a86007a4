//! Synthetic addresses: each protected name without a fixed address gets one from a
//! private pool, kept for as long as the pool (the agent's run).

use alloc::collections::BTreeMap;
use alloc::string::String;
use core::net::Ipv4Addr;

/// The most names a pool maps, whatever its size.
pub const MAX_SYNTHETIC: usize = 4096;

/// One synthetic address's owner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The name it answers.
    pub name: String,
    /// The resource the name belongs to.
    pub resource: String,
}

/// A pool of IPv4 addresses handed out to names, in order, never reused while it lives.
#[derive(Debug, Clone)]
pub struct SyntheticPool {
    base: u32,
    capacity: u32,
    by_name: BTreeMap<String, Ipv4Addr>,
    by_addr: BTreeMap<Ipv4Addr, Mapping>,
}

impl SyntheticPool {
    /// A pool over `network/len` (`len` 8 to 30); its first and last addresses are not
    /// handed out; at most [`MAX_SYNTHETIC`] names. `None` for another length.
    pub fn new(network: Ipv4Addr, len: u8) -> Option<Self> {
        if !(8..=30).contains(&len) {
            return None;
        }
        let mask = u32::MAX << (32 - len);
        let size = 1u32 << (32 - len);
        let capacity = (size - 2).min(MAX_SYNTHETIC as u32);
        Some(Self { base: u32::from(network) & mask, capacity, by_name: BTreeMap::new(), by_addr: BTreeMap::new() })
    }

    /// The address of `name`, handing out the next free one on first use; `None` when the
    /// pool is full.
    pub fn address(&mut self, name: &str, resource: &str) -> Option<Ipv4Addr> {
        if let Some(addr) = self.by_name.get(name) {
            return Some(*addr);
        }
        let used = u32::try_from(self.by_name.len()).ok()?;
        if used >= self.capacity {
            return None;
        }
        let addr = Ipv4Addr::from(self.base + 1 + used);
        self.by_name.insert(name.into(), addr);
        self.by_addr.insert(addr, Mapping { name: name.into(), resource: resource.into() });
        Some(addr)
    }

    /// The name and resource a synthetic address was handed out for.
    pub fn owner(&self, addr: Ipv4Addr) -> Option<&Mapping> {
        self.by_addr.get(&addr)
    }

    /// How many names are mapped.
    pub fn len(&self) -> usize {
        self.by_name.len()
    }

    /// Whether no name is mapped yet.
    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }
}
