//! Source network prefixes (`10.0.0.0/8`, `2001:db8::/32`).

use std::net::IpAddr;
use std::str::FromStr;

/// An IPv4 or IPv6 network prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpPrefix {
    network: IpAddr,
    length: u8,
}

/// Why a prefix did not parse.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("`{0}` is not a network prefix (ADDRESS/LENGTH)")]
pub struct PrefixError(pub String);

impl FromStr for IpPrefix {
    type Err = PrefixError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || PrefixError(text.to_owned());
        let (address, length) = text.split_once('/').ok_or_else(error)?;
        let network: IpAddr = address.parse().map_err(|_| error())?;
        let length: u8 = length.parse().map_err(|_| error())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        if length > max {
            return Err(error());
        }
        Ok(Self { network, length })
    }
}

impl IpPrefix {
    /// Whether `address` lies in the prefix (an IPv4-mapped IPv6 address counts as IPv4).
    pub fn contains(&self, address: IpAddr) -> bool {
        let address = match address {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(address, IpAddr::V4),
            v4 => v4,
        };
        let (net, addr, bits) = match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => (u128::from(net.to_bits()), u128::from(addr.to_bits()), 32),
            (IpAddr::V6(net), IpAddr::V6(addr)) => (net.to_bits(), addr.to_bits(), 128),
            _ => return false,
        };
        let shift = bits - u32::from(self.length);
        shift >= bits || net >> shift == addr >> shift
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(text: &str) -> IpPrefix {
        text.parse().expect("prefix")
    }

    #[test]
    fn contains_by_prefix_length() {
        assert!(prefix("10.0.0.0/8").contains("10.1.2.3".parse().expect("ip")));
        assert!(!prefix("10.0.0.0/8").contains("11.0.0.1".parse().expect("ip")));
        assert!(prefix("0.0.0.0/0").contains("192.0.2.1".parse().expect("ip")));
        assert!(prefix("192.0.2.7/32").contains("::ffff:192.0.2.7".parse().expect("ip")));
        assert!(prefix("2001:db8::/32").contains("2001:db8::1".parse().expect("ip")));
        assert!(!prefix("2001:db8::/32").contains("10.0.0.1".parse().expect("ip")));
    }

    #[test]
    fn bad_prefixes_are_refused() {
        for text in ["10.0.0.0", "10.0.0.0/33", "x/8", "::/129"] {
            assert_eq!(text.parse::<IpPrefix>(), Err(PrefixError(text.into())));
        }
    }
}
