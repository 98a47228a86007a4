//! A protected resource: a name, the address prefixes and ports it covers, and the
//! AppTunnel service its traffic goes to.

use crate::bytes::{Reader, Writer, check_str};
use crate::dns_name::{MAX_DNS_NAME, MAX_NAMES, MAX_NAMES_TOTAL, check_dns_name};
use crate::error::WireError;
use alloc::string::String;
use alloc::vec::Vec;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The longest resource or service name, in bytes.
pub const MAX_NAME: usize = 64;
/// The most prefixes one resource lists.
pub const MAX_PREFIXES: usize = 32;
/// The most ports one resource lists.
pub const MAX_PORTS: usize = 32;
/// The most resources one message lists.
pub const MAX_RESOURCES: usize = 256;

/// An address prefix with no host bits set (`10.1.0.0/16`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Prefix {
    addr: IpAddr,
    len: u8,
}

impl Prefix {
    /// A prefix, refused if `len` is longer than the family allows or host bits are set.
    pub fn new(addr: IpAddr, len: u8) -> Result<Self, WireError> {
        let (bits, host_clear) = match addr {
            IpAddr::V4(a) => (32, len >= 32 || u32::from(a) & (u32::MAX >> len) == 0),
            IpAddr::V6(a) => (128, len >= 128 || u128::from(a) & (u128::MAX >> len) == 0),
        };
        if len > bits {
            return Err(WireError::Invalid { field: "prefix", detail: "longer than the address family" });
        }
        if !host_clear {
            return Err(WireError::Invalid { field: "prefix", detail: "host bits set" });
        }
        Ok(Self { addr, len })
    }

    /// The network address.
    pub fn addr(&self) -> IpAddr {
        self.addr
    }

    /// The prefix length in bits.
    pub fn len(&self) -> u8 {
        self.len
    }

    /// Whether this is a zero-length prefix (every address of its family).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn parse(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let addr = match r.u8("prefix family")? {
            4 => {
                let b = r.take(4, "prefix address")?;
                IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]))
            }
            6 => {
                let mut o = [0u8; 16];
                o.copy_from_slice(r.take(16, "prefix address")?);
                IpAddr::V6(Ipv6Addr::from(o))
            }
            _ => return Err(WireError::Invalid { field: "prefix family", detail: "neither 4 nor 6" }),
        };
        Self::new(addr, r.u8("prefix length")?)
    }

    fn emit(&self, w: &mut Writer<'_>) {
        match self.addr {
            IpAddr::V4(a) => {
                w.buf.push(4);
                w.buf.extend_from_slice(&a.octets());
            }
            IpAddr::V6(a) => {
                w.buf.push(6);
                w.buf.extend_from_slice(&a.octets());
            }
        }
        w.buf.push(self.len);
    }
}

impl core::fmt::Display for Prefix {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}/{}", self.addr, self.len)
    }
}

impl core::str::FromStr for Prefix {
    type Err = WireError;

    /// `ADDRESS/LENGTH`.
    fn from_str(text: &str) -> Result<Self, WireError> {
        let invalid = |detail| WireError::Invalid { field: "prefix", detail };
        let (addr, len) = text.split_once('/').ok_or(invalid("not ADDRESS/LENGTH"))?;
        let addr: IpAddr = addr.parse().map_err(|_| invalid("not an IP address"))?;
        let len: u8 = len.parse().map_err(|_| invalid("length is not a number"))?;
        Self::new(addr, len)
    }
}

/// One protected resource as the gateway announces it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resource {
    /// Its name (shown to the user).
    pub name: String,
    /// The AppTunnel service its traffic is carried to.
    pub service: String,
    /// The destination prefixes it covers.
    pub prefixes: Vec<Prefix>,
    /// The destination ports it covers; none means every port.
    pub ports: Vec<u16>,
    /// The DNS names split DNS answers for it (see [`check_dns_name`]); may be none.
    pub names: Vec<String>,
}

impl Resource {
    /// Fails on a field beyond its bound.
    pub fn check(&self) -> Result<(), WireError> {
        check_str("resource name", &self.name, MAX_NAME)?;
        check_str("resource service", &self.service, MAX_NAME)?;
        if self.name.is_empty() {
            return Err(WireError::Invalid { field: "resource name", detail: "empty" });
        }
        if self.prefixes.len() > MAX_PREFIXES {
            return Err(WireError::TooLong { field: "prefixes", len: self.prefixes.len(), max: MAX_PREFIXES });
        }
        if self.ports.len() > MAX_PORTS {
            return Err(WireError::TooLong { field: "ports", len: self.ports.len(), max: MAX_PORTS });
        }
        if self.ports.contains(&0) {
            return Err(WireError::Invalid { field: "ports", detail: "port 0" });
        }
        if self.names.len() > MAX_NAMES {
            return Err(WireError::TooLong { field: "dns names", len: self.names.len(), max: MAX_NAMES });
        }
        self.names.iter().try_for_each(|n| check_dns_name(n))
    }

    fn parse(r: &mut Reader<'_>) -> Result<Self, WireError> {
        let name = r.str8("resource name", MAX_NAME)?;
        let service = r.str8("resource service", MAX_NAME)?;
        let count = usize::from(r.u8("prefix count")?);
        if count > MAX_PREFIXES {
            return Err(WireError::TooLong { field: "prefixes", len: count, max: MAX_PREFIXES });
        }
        let prefixes = (0..count).map(|_| Prefix::parse(r)).collect::<Result<Vec<_>, _>>()?;
        let count = usize::from(r.u8("port count")?);
        if count > MAX_PORTS {
            return Err(WireError::TooLong { field: "ports", len: count, max: MAX_PORTS });
        }
        let ports = (0..count).map(|_| r.u16("port")).collect::<Result<Vec<_>, _>>()?;
        let resource = Self { name, service, prefixes, ports, names: Vec::new() };
        resource.check()?;
        Ok(resource)
    }

    fn emit(&self, w: &mut Writer<'_>) {
        w.str8(&self.name);
        w.str8(&self.service);
        w.buf.push(u8::try_from(self.prefixes.len()).unwrap_or(u8::MAX));
        for prefix in &self.prefixes {
            prefix.emit(w);
        }
        w.buf.push(u8::try_from(self.ports.len()).unwrap_or(u8::MAX));
        for port in &self.ports {
            w.buf.extend_from_slice(&port.to_be_bytes());
        }
    }
}

/// Checks a resource list against its bounds.
pub(crate) fn check_list(resources: &[Resource]) -> Result<(), WireError> {
    if resources.len() > MAX_RESOURCES {
        return Err(WireError::TooLong { field: "resources", len: resources.len(), max: MAX_RESOURCES });
    }
    resources.iter().try_for_each(Resource::check)?;
    let names: usize = resources.iter().map(|r| r.names.len()).sum();
    if names > MAX_NAMES_TOTAL {
        return Err(WireError::TooLong { field: "dns names", len: names, max: MAX_NAMES_TOTAL });
    }
    Ok(())
}

/// A u16 count, then each resource; then, if any bytes are left, the names section:
/// per resource in order, a u8 count of names and each name (str8).
pub(crate) fn parse_list(r: &mut Reader<'_>) -> Result<Vec<Resource>, WireError> {
    let count = usize::from(r.u16("resource count")?);
    if count > MAX_RESOURCES {
        return Err(WireError::TooLong { field: "resources", len: count, max: MAX_RESOURCES });
    }
    let mut resources = (0..count).map(|_| Resource::parse(r)).collect::<Result<Vec<_>, _>>()?;
    if r.is_empty() {
        return Ok(resources);
    }
    let mut total = 0;
    for resource in &mut resources {
        let count = usize::from(r.u8("dns name count")?);
        if count > MAX_NAMES {
            return Err(WireError::TooLong { field: "dns names", len: count, max: MAX_NAMES });
        }
        total += count;
        if total > MAX_NAMES_TOTAL {
            return Err(WireError::TooLong { field: "dns names", len: total, max: MAX_NAMES_TOTAL });
        }
        for _ in 0..count {
            let name = r.str8("dns name", MAX_DNS_NAME)?;
            check_dns_name(&name)?;
            resource.names.push(name);
        }
    }
    if total == 0 {
        return Err(WireError::Invalid { field: "dns names", detail: "a names section naming nothing" });
    }
    Ok(resources)
}

/// The inverse of [`parse_list`], for a list that passed [`check_list`]. The names
/// section is left out when no resource has a name, so such a list reads the same to an
/// agent that predates names.
pub(crate) fn emit_list(resources: &[Resource], w: &mut Writer<'_>) {
    w.buf.extend_from_slice(&u16::try_from(resources.len()).unwrap_or(u16::MAX).to_be_bytes());
    for resource in resources {
        resource.emit(w);
    }
    if resources.iter().all(|r| r.names.is_empty()) {
        return;
    }
    for resource in resources {
        w.buf.push(u8::try_from(resource.names.len()).unwrap_or(u8::MAX));
        for name in &resource.names {
            w.str8(name);
        }
    }
}
