//! The source prefixes allowed to connect to the management listener.

use crate::error::MetricsError;
use std::net::IpAddr;

/// One `network/prefix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Prefix {
    network: IpAddr,
    len: u8,
}

impl Prefix {
    fn contains(&self, addr: IpAddr) -> bool {
        match (self.network, addr) {
            (IpAddr::V4(net), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.len)).unwrap_or(0);
                u32::from(net) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.len)).unwrap_or(0);
                u128::from(net) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// Which source addresses may connect: every source, or those in a list of prefixes
/// (an empty list allows none). An IPv4 source seen as an IPv4-mapped IPv6 address
/// (`::ffff:192.0.2.1`) is matched as IPv4.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePrefixes(Option<Vec<Prefix>>);

impl SourcePrefixes {
    /// Every source may connect.
    pub fn any() -> Self {
        Self(None)
    }

    /// No source may connect.
    pub fn none() -> Self {
        Self(Some(Vec::new()))
    }

    /// Only sources inside one of `prefixes`, each `network/prefix` (e.g. `10.0.0.0/8`,
    /// `2001:db8::/32`); bits after the prefix length are ignored.
    pub fn parse<S: AsRef<str>>(prefixes: &[S]) -> Result<Self, MetricsError> {
        let parsed = prefixes.iter().map(|text| parse_one(text.as_ref())).collect::<Result<Vec<_>, _>>()?;
        Ok(Self(Some(parsed)))
    }

    /// Whether `source` may connect.
    pub fn allows(&self, source: IpAddr) -> bool {
        let source = match source {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(source, IpAddr::V4),
            v4 => v4,
        };
        self.0.as_ref().is_none_or(|list| list.iter().any(|p| p.contains(source)))
    }
}

fn parse_one(text: &str) -> Result<Prefix, MetricsError> {
    let bad = || MetricsError::BadPrefix(text.to_owned());
    let (network, len) = text.split_once('/').ok_or_else(bad)?;
    let network: IpAddr = network.parse().map_err(|_| bad())?;
    let len: u8 = len.parse().map_err(|_| bad())?;
    let max = if network.is_ipv4() { 32 } else { 128 };
    if len > max {
        return Err(bad());
    }
    Ok(Prefix { network, len })
}

#[cfg(test)]
mod tests {
    use super::SourcePrefixes;
    use std::net::IpAddr;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("an address")
    }

    #[test]
    fn only_listed_prefixes_are_allowed() -> Result<(), Box<dyn std::error::Error>> {
        let allowed = SourcePrefixes::parse(&["10.0.0.0/8", "127.0.0.1/32", "2001:db8::/32"])?;
        for yes in ["10.200.1.2", "127.0.0.1", "::ffff:127.0.0.1", "2001:db8::5"] {
            assert!(allowed.allows(ip(yes)), "{yes} should be allowed");
        }
        for no in ["11.0.0.1", "127.0.0.2", "2001:db9::1", "::1"] {
            assert!(!allowed.allows(ip(no)), "{no} should be refused");
        }
        Ok(())
    }

    #[test]
    fn an_empty_list_allows_none_and_any_allows_all() -> Result<(), Box<dyn std::error::Error>> {
        let none = SourcePrefixes::parse::<&str>(&[])?;
        assert!(!none.allows(ip("127.0.0.1")));
        assert!(SourcePrefixes::any().allows(ip("203.0.113.9")));
        assert!(SourcePrefixes::parse(&["0.0.0.0/0"])?.allows(ip("203.0.113.9")));
        Ok(())
    }

    #[test]
    fn malformed_prefixes_are_refused() {
        for bad in ["10.0.0.0", "10.0.0.0/33", "x/8", "::/129", "10.0.0.0/-1"] {
            assert!(SourcePrefixes::parse(&[bad]).is_err(), "{bad} accepted");
        }
    }
}
