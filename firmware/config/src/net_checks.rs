//! Checks of network values: addresses with prefix lengths, gateway addresses, DNS names
//! and `host:port` servers.

use crate::validation::Problem;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Longest DNS name, in bytes (RFC 1035 section 2.3.4, without the final dot).
pub(crate) const DNS_NAME_MAX: usize = 253;

const CIDR: &str = "address/prefix (like 192.0.2.10/24 or 2001:db8::10/64)";
const ADDRESS: &str = "IPv4 or IPv6 address";
const PREFIX: &str = "network/prefix (like 10.0.0.0/8 or 2001:db8::/32)";

/// An interface address and the length of its network prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub(crate) addr: IpAddr,
    pub(crate) prefix: u8,
}

impl Cidr {
    /// Whether `other` lies in this address's network.
    pub(crate) fn contains(&self, other: IpAddr) -> bool {
        match (self.addr, other) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(a) & mask == u32::from(b) & mask
            }
            (IpAddr::V6(a), IpAddr::V6(b)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(a) & mask == u128::from(b) & mask
            }
            _ => false,
        }
    }

    /// The network this address lies in, as `network/prefix`.
    pub(crate) fn network(&self) -> String {
        format!("{}/{}", self.network_address(), self.prefix)
    }

    /// This address with every host bit cleared.
    fn network_address(&self) -> IpAddr {
        match self.addr {
            IpAddr::V4(a) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                Ipv4Addr::from(u32::from(a) & mask).into()
            }
            IpAddr::V6(a) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                Ipv6Addr::from(u128::from(a) & mask).into()
            }
        }
    }
}

/// `value` is a source prefix `network/prefix`: an IPv4 network with a prefix of 0 to 32
/// or an IPv6 network with a prefix of 0 to 128, with no host bit set.
pub(crate) fn prefix(value: &str) -> Result<Cidr, Problem> {
    let bad = |reason| Problem::BadAddress { expected: PREFIX, reason };
    let (addr, prefix) = value.split_once('/').ok_or(bad("it has no prefix length (e.g. /8, or /32 for one host)"))?;
    let addr: IpAddr = addr.parse().map_err(|_| bad("the part before `/` is not an IPv4 or IPv6 address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix.parse::<u8>() {
        Ok(p) if prefix.bytes().all(|b| b.is_ascii_digit()) && p <= max => p,
        _ if addr.is_ipv4() => return Err(bad("the prefix length is not 0 to 32")),
        _ => return Err(bad("the prefix length is not 0 to 128")),
    };
    let cidr = Cidr { addr, prefix };
    if cidr.network_address() != addr {
        return Err(bad("host bits are set after the prefix length"));
    }
    Ok(cidr)
}

/// `value` is `address/prefix`: an IPv4 address with a prefix of 1 to 32, or an IPv6
/// address with a prefix of 1 to 128, usable on an interface (not unspecified, multicast
/// or broadcast, and for IPv4 prefixes up to /30 not the network or broadcast address).
pub(crate) fn cidr(value: &str) -> Result<Cidr, Problem> {
    let bad = |reason| Problem::BadAddress { expected: CIDR, reason };
    let (addr, prefix) = value.split_once('/').ok_or(bad("it has no prefix length (e.g. /24)"))?;
    let addr: IpAddr = addr.parse().map_err(|_| bad("the part before `/` is not an IPv4 or IPv6 address"))?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let prefix = match prefix.parse::<u8>() {
        Ok(p) if prefix.bytes().all(|b| b.is_ascii_digit()) && (1..=max).contains(&p) => p,
        _ if addr.is_ipv4() => return Err(bad("the prefix length is not 1 to 32")),
        _ => return Err(bad("the prefix length is not 1 to 128")),
    };
    usable(addr).map_err(bad)?;
    if let (IpAddr::V4(v4), ..=30) = (addr, prefix) {
        let host_bits = u32::from(v4) & (u32::MAX >> prefix);
        if host_bits == 0 {
            return Err(bad("it is the network address of its prefix"));
        }
        if host_bits == u32::MAX >> prefix {
            return Err(bad("it is the broadcast address of its prefix"));
        }
    }
    Ok(Cidr { addr, prefix })
}

/// `value` is a plain IPv4 or IPv6 address a host can send to (a default gateway).
pub(crate) fn address(value: &str) -> Result<IpAddr, Problem> {
    let bad = |reason| Problem::BadAddress { expected: ADDRESS, reason };
    let addr: IpAddr = value.parse().map_err(|_| bad("it is not an IPv4 or IPv6 address (no prefix length here)"))?;
    usable(addr).map_err(bad)?;
    Ok(addr)
}

fn usable(addr: IpAddr) -> Result<(), &'static str> {
    if addr.is_unspecified() {
        Err("it is the unspecified address")
    } else if addr.is_multicast() {
        Err("it is a multicast address")
    } else if addr == IpAddr::V4(Ipv4Addr::BROADCAST) {
        Err("it is the broadcast address")
    } else {
        Ok(())
    }
}

/// Whether `addr` is an IPv6 link-local address (fe80::/10), reachable on any interface.
pub(crate) fn is_link_local_v6(addr: IpAddr) -> bool {
    matches!(addr, IpAddr::V6(v6) if v6.segments()[0] & 0xffc0 == 0xfe80)
}

/// `value` is a DNS name: 1 to 253 bytes of dot-separated RFC 1123 labels, the last of
/// which is not all digits.
pub(crate) fn dns_name(value: &str) -> Result<(), &'static str> {
    if value.is_empty() {
        return Err("the host is empty");
    }
    if value.len() > DNS_NAME_MAX {
        return Err("the host name is longer than 253 bytes");
    }
    for label in value.split('.') {
        if label.is_empty() {
            return Err("the host name has an empty label (`..` or a leading or final dot)");
        }
        if label.len() > 63 {
            return Err("a label of the host name is longer than 63 bytes");
        }
        if !label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err("the host name holds characters other than letters, digits, '-' and '.'");
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err("a label of the host name starts or ends with '-'");
        }
    }
    if value.rsplit('.').next().is_some_and(|tld| tld.bytes().all(|b| b.is_ascii_digit())) {
        return Err("the host is neither an IPv4 address nor a name (its last label is numeric)");
    }
    Ok(())
}

/// `value` is `host:port`: the host a DNS name, an IPv4 address, a bracketed IPv6
/// address or a wildcard, `*.` and a domain of at least two labels (any host under that
/// domain); the port 1 to 65535.
pub(crate) fn server(value: &str) -> Result<(), Problem> {
    let bad = |reason| Err(Problem::BadServer { reason });
    let Some((host, port)) = value.rsplit_once(':') else {
        return bad("it has no `:port`");
    };
    if !(port.bytes().all(|b| b.is_ascii_digit()) && matches!(port.parse::<u16>(), Ok(1..))) {
        return bad("the port is not a number 1 to 65535");
    }
    if let Some(v6) = host.strip_prefix('[') {
        return match v6.strip_suffix(']').map(str::parse::<Ipv6Addr>) {
            Some(Ok(_)) => Ok(()),
            _ => bad("the bracketed host is not an IPv6 address"),
        };
    }
    if host.contains(':') {
        return bad("an IPv6 host must be in brackets, e.g. [2001:db8::1]:443");
    }
    if host.parse::<Ipv4Addr>().is_ok() {
        return Ok(());
    }
    if let Some(domain) = host.strip_prefix("*.") {
        if !domain.contains('.') {
            return bad("a wildcard must cover a domain of at least two labels, e.g. *.corp.example");
        }
        return dns_name(domain).map_err(|reason| Problem::BadServer { reason });
    }
    if host.contains('*') {
        return bad("a wildcard is `*.` followed by a domain, e.g. *.corp.example:443");
    }
    dns_name(host).map_err(|reason| Problem::BadServer { reason })
}
