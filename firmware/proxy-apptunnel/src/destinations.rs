//! Where a wildcard service may connect (sans-IO).
//!
//! A wildcard entry (`*.corp.example:443`) lets an app name the host, so a name that
//! resolves to the gateway itself would reach what only the gateway should: its loopback
//! services, link-local metadata endpoints, its own listeners. Such an address is never a
//! wildcard destination unless the same service names it explicitly (an IP-literal server
//! entry with that address and port). Services' explicit entries are not checked: the
//! operator named them.

use std::net::{IpAddr, SocketAddr};

/// Why a resolved address is not a wildcard destination.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Forbidden {
    /// 127.0.0.0/8 or ::1.
    Loopback,
    /// 169.254.0.0/16 or fe80::/10.
    LinkLocal,
    /// 0.0.0.0/8 or :: (which reach the gateway itself).
    Unspecified,
    /// Multicast or the IPv4 broadcast address.
    Multicast,
    /// One of the gateway's own interface addresses.
    Gateway,
}

impl Forbidden {
    /// A short code for logs.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Loopback => "loopback",
            Self::LinkLocal => "link-local",
            Self::Unspecified => "unspecified",
            Self::Multicast => "multicast",
            Self::Gateway => "gateway-address",
        }
    }
}

/// Whether a wildcard service may connect to `addr`, given the service's explicit
/// IP-literal entries and the gateway's own addresses.
pub(crate) fn check(addr: SocketAddr, explicit: &[SocketAddr], own: &[IpAddr]) -> Result<(), Forbidden> {
    let ip = addr.ip().to_canonical();
    if explicit.iter().any(|e| e.ip().to_canonical() == ip && e.port() == addr.port()) {
        return Ok(());
    }
    let class = match ip {
        IpAddr::V4(v4) if v4.is_loopback() => Some(Forbidden::Loopback),
        IpAddr::V4(v4) if v4.is_link_local() => Some(Forbidden::LinkLocal),
        IpAddr::V4(v4) if v4.octets()[0] == 0 => Some(Forbidden::Unspecified),
        IpAddr::V4(v4) if v4.is_multicast() || v4.is_broadcast() => Some(Forbidden::Multicast),
        IpAddr::V6(v6) if v6.is_loopback() => Some(Forbidden::Loopback),
        IpAddr::V6(v6) if v6.is_unicast_link_local() => Some(Forbidden::LinkLocal),
        IpAddr::V6(v6) if v6.is_unspecified() => Some(Forbidden::Unspecified),
        IpAddr::V6(v6) if v6.is_multicast() => Some(Forbidden::Multicast),
        _ => None,
    };
    match class {
        Some(forbidden) => Err(forbidden),
        None if own.iter().any(|o| o.to_canonical() == ip) => Err(Forbidden::Gateway),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn at(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_gateways_own_reach_is_refused() {
        let own: [IpAddr; 2] = ["192.0.2.10".parse().unwrap(), "2001:db8::10".parse().unwrap()];
        for (addr, why) in [
            ("127.0.0.1:443", Forbidden::Loopback),
            ("127.8.9.10:443", Forbidden::Loopback),
            ("[::1]:443", Forbidden::Loopback),
            ("[::ffff:127.0.0.1]:443", Forbidden::Loopback),
            ("169.254.169.254:80", Forbidden::LinkLocal),
            ("[fe80::1]:443", Forbidden::LinkLocal),
            ("[::ffff:169.254.169.254]:80", Forbidden::LinkLocal),
            ("0.0.0.0:443", Forbidden::Unspecified),
            ("0.1.2.3:443", Forbidden::Unspecified),
            ("[::]:443", Forbidden::Unspecified),
            ("224.0.0.1:443", Forbidden::Multicast),
            ("255.255.255.255:443", Forbidden::Multicast),
            ("[ff02::1]:443", Forbidden::Multicast),
            ("192.0.2.10:443", Forbidden::Gateway),
            ("[::ffff:192.0.2.10]:443", Forbidden::Gateway),
            ("[2001:db8::10]:443", Forbidden::Gateway),
        ] {
            assert_eq!(check(at(addr), &[], &own), Err(why), "{addr}");
        }
        for addr in ["10.1.2.3:443", "192.0.2.11:443", "[2001:db8::11]:443", "8.8.8.8:53", "172.16.0.1:8080"] {
            assert_eq!(check(at(addr), &[], &own), Ok(()), "{addr}");
        }
    }

    #[test]
    fn an_explicit_entry_of_the_service_allows_exactly_that_address_and_port() {
        let own: [IpAddr; 1] = ["192.0.2.10".parse().unwrap()];
        let explicit = [at("127.0.0.1:8080"), at("192.0.2.10:443")];
        assert_eq!(check(at("127.0.0.1:8080"), &explicit, &own), Ok(()));
        assert_eq!(check(at("[::ffff:127.0.0.1]:8080"), &explicit, &own), Ok(()));
        assert_eq!(check(at("192.0.2.10:443"), &explicit, &own), Ok(()));
        assert_eq!(check(at("127.0.0.1:8081"), &explicit, &own), Err(Forbidden::Loopback));
        assert_eq!(check(at("127.0.0.2:8080"), &explicit, &own), Err(Forbidden::Loopback));
        assert_eq!(check(at("192.0.2.10:80"), &explicit, &own), Err(Forbidden::Gateway));
    }
}
