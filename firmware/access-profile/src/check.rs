//! Checks of single fields: names, URLs, prefixes, free text. Each returns why a value is
//! refused.

use crate::validate::{MAX_NAME, MAX_TEXT, MAX_URL};
use std::net::IpAddr;

/// One thing wrong with a profile, at a path such as `pairings[1].identity_provider.sso_url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, in JSON terms.
    pub path: String,
    /// What is wrong.
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// A name: 1 to [`MAX_NAME`] letters, digits, `.`, `_` or `-`.
pub(crate) fn name(value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err("must not be empty".into());
    }
    if value.len() > MAX_NAME {
        return Err(format!("is {} bytes long; at most {MAX_NAME}", value.len()));
    }
    match value.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))) {
        Some(c) => Err(format!("holds {c:?}; only letters, digits, '.', '_' and '-' are allowed")),
        None => Ok(()),
    }
}

/// Free text (entity ids, app ids, groups, messages): 1 to [`MAX_TEXT`] bytes, no control
/// characters.
pub(crate) fn text(value: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if value.len() > MAX_TEXT {
        return Err(format!("is {} bytes long; at most {MAX_TEXT}", value.len()));
    }
    if value.chars().any(char::is_control) {
        return Err("holds a control character".into());
    }
    Ok(())
}

/// An `https://host[:port][/path]` URL without user information or fragment.
pub(crate) fn https_url(value: &str) -> Result<(), String> {
    if value.len() > MAX_URL {
        return Err(format!("is {} bytes long; at most {MAX_URL}", value.len()));
    }
    if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err("holds white space or a control character".into());
    }
    let Some(rest) = value.get(..8).filter(|s| s.eq_ignore_ascii_case("https://")).map(|_| &value[8..]) else {
        return Err(format!("{value:?} is not an https:// URL"));
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("must not carry user information".into());
    }
    if value.contains('#') {
        return Err("must not carry a fragment".into());
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => {
            let (host, after) = v6.split_once(']').ok_or_else(|| format!("{value:?} has an unclosed '['"))?;
            match after {
                "" => (host, None),
                _ => (host, Some(after.strip_prefix(':').ok_or_else(|| format!("{value:?} has junk after ']'"))?)),
            }
        }
        None => match authority.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err(format!("{value:?} names no host"));
    }
    if let Some(port) = port {
        port.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| format!("port {port:?} is not 1 to 65535"))?;
    }
    Ok(())
}

/// A network prefix `address/length` with no host bits set.
pub(crate) fn prefix(value: &str) -> Result<(), String> {
    let (address, length) = value.split_once('/').ok_or_else(|| format!("{value:?} is not ADDRESS/LENGTH"))?;
    let address: IpAddr = address.parse().map_err(|_| format!("{address:?} is not an IP address"))?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let length: u32 =
        length.parse().ok().filter(|l| *l <= max).ok_or_else(|| format!("length {length:?} is not 0 to {max}"))?;
    let bits = match address {
        IpAddr::V4(a) => u128::from(u32::from(a)) << 96,
        IpAddr::V6(a) => u128::from(a),
    };
    let host_bits = if length == 0 { bits } else { bits << length };
    if host_bits != 0 {
        return Err(format!("{value:?} has host bits set"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_https_with_a_host() {
        assert!(https_url("https://idp.example.com/sso").is_ok());
        assert!(https_url("https://idp.example.com:8443").is_ok());
        assert!(https_url("https://[::1]:8443/x").is_ok());
        assert!(https_url("http://idp.example.com/").is_err());
        assert!(https_url("https:///path").is_err());
        assert!(https_url("https://user@idp.example.com/").is_err());
        assert!(https_url("https://idp.example.com:0/").is_err());
        assert!(https_url("https://idp.example.com:99999/").is_err());
        assert!(https_url("https://idp.example.com/a b").is_err());
        assert!(https_url("https://idp.example.com/#frag").is_err());
    }

    #[test]
    fn prefixes_must_be_network_addresses() {
        assert!(prefix("10.0.0.0/8").is_ok());
        assert!(prefix("0.0.0.0/0").is_ok());
        assert!(prefix("2001:db8::/32").is_ok());
        assert!(prefix("10.0.0.1/8").is_err());
        assert!(prefix("10.0.0.0/33").is_err());
        assert!(prefix("10.0.0.0").is_err());
        assert!(prefix("example/8").is_err());
    }

    #[test]
    fn names_are_short_and_plain() {
        assert!(name("m365-entra").is_ok());
        assert!(name("").is_err());
        assert!(name("a b").is_err());
        assert!(name(&"a".repeat(MAX_NAME + 1)).is_err());
    }
}
