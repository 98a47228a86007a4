//! Checks of single values, shared by every section of the tree.

use crate::validation::Problem;
use postern_decision::IdError;
use std::ops::RangeInclusive;
use std::path::Path;

/// Longest URL accepted anywhere in the configuration.
pub(crate) const URL_MAX: usize = 2048;

/// `value` lies within `bounds`.
pub(crate) fn range(value: u32, bounds: &RangeInclusive<u32>) -> Result<(), Problem> {
    if value < *bounds.start() {
        Err(Problem::BelowMin { value: value.into(), min: (*bounds.start()).into() })
    } else if value > *bounds.end() {
        Err(Problem::AboveMax { value: value.into(), max: (*bounds.end()).into() })
    } else {
        Ok(())
    }
}

/// `value` is 1 to `max` bytes of text without control characters.
pub(crate) fn text(value: &str, max: usize) -> Result<(), Problem> {
    length(value, max)?;
    match value.char_indices().find(|(_, c)| c.is_control()) {
        Some((at, found)) => Err(Problem::BadChar { found, at, allowed: "control characters are not allowed" }),
        None => Ok(()),
    }
}

/// `value` is accepted by the decision core's constructor `make`: each identifier has one
/// bound and one character rule, the decision core's. `allowed` names the characters.
pub(crate) fn identifier<T>(
    value: &str,
    make: impl FnOnce(&str) -> Result<T, IdError>,
    allowed: &'static str,
) -> Result<(), Problem> {
    match make(value) {
        Ok(_) => Ok(()),
        Err(IdError::Empty { .. }) => Err(Problem::Empty),
        Err(IdError::TooLong { len, max, .. }) => Err(Problem::TooLong { len, max }),
        Err(IdError::BadChar { at, .. }) => {
            Err(Problem::BadChar { found: value[at..].chars().next().unwrap_or_default(), at, allowed })
        }
        Err(other) => Err(Problem::BadIdentifier { reason: other.to_string() }),
    }
}

/// What any text identifier may hold.
pub(crate) const NO_CONTROL: &str = "control characters are not allowed";

/// `value` is 1 to `max` bytes, every character of which satisfies `ok`; `allowed` says
/// which characters those are.
pub(crate) fn charset(
    value: &str,
    max: usize,
    ok: impl Fn(char) -> bool,
    allowed: &'static str,
) -> Result<(), Problem> {
    length(value, max)?;
    match value.char_indices().find(|(_, c)| !ok(*c)) {
        Some((at, found)) => Err(Problem::BadChar { found, at, allowed }),
        None => Ok(()),
    }
}

fn length(value: &str, max: usize) -> Result<(), Problem> {
    if value.is_empty() {
        Err(Problem::Empty)
    } else if value.len() > max {
        Err(Problem::TooLong { len: value.len(), max })
    } else {
        Ok(())
    }
}

/// `value` is one host name label (RFC 1123 section 2.1): 1 to 63 ASCII letters, digits
/// and hyphens, neither starting nor ending with a hyphen.
pub(crate) fn hostname_label(value: &str) -> Result<(), Problem> {
    let reason = if value.is_empty() {
        "it is empty"
    } else if value.len() > 63 {
        "it is longer than 63 characters"
    } else if !value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        "only ASCII letters, digits and '-' are allowed"
    } else if value.starts_with('-') || value.ends_with('-') {
        "it starts or ends with '-'"
    } else {
        return Ok(());
    };
    Err(Problem::BadHostname { reason })
}

/// `value` is an absolute file system path.
pub(crate) fn absolute_path(value: &Path) -> Result<(), Problem> {
    if value.is_absolute() { Ok(()) } else { Err(Problem::NotAbsolute { path: value.display().to_string() }) }
}

/// `value` is an `https://` URL with a plausible host, an optional port, no user
/// information, no white space and at most [`URL_MAX`] bytes.
/// An https URL, or an http URL with the same rules otherwise.
pub(crate) fn http_or_https_url(value: &str) -> Result<(), Problem> {
    match value.split_once("://") {
        Some((scheme, rest)) if scheme.eq_ignore_ascii_case("http") => https_url(&format!("https://{rest}")),
        _ => https_url(value),
    }
}

pub(crate) fn https_url(value: &str) -> Result<(), Problem> {
    let bad = |reason| Err(Problem::BadUrl { reason });
    if value.len() > URL_MAX {
        return bad("it is longer than 2048 bytes");
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("it holds white space or control characters");
    }
    let Some((scheme, rest)) = value.split_once("://") else {
        return bad("it has no scheme (expected https://)");
    };
    if !scheme.eq_ignore_ascii_case("https") {
        return Err(Problem::NotHttps { scheme: scheme.to_owned() });
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return bad("user information (`user@`) is not allowed; use a credentials file");
    }
    let (host, port) = split_host_port(authority);
    if host.is_empty() {
        return bad("it has no host");
    }
    let host_ok = if let Some(v6) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        !v6.is_empty() && v6.bytes().all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
    } else {
        host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
    };
    if !host_ok {
        return bad("its host holds characters a host name cannot hold");
    }
    match port {
        Some(p) if !(p.bytes().all(|b| b.is_ascii_digit()) && matches!(p.parse::<u16>(), Ok(1..))) => {
            bad("its port is not a number 1 to 65535")
        }
        _ => Ok(()),
    }
}

/// Splits `host[:port]`, where the host may be a bracketed IPv6 literal.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    let port_colon = match authority.rfind(']') {
        Some(close) => authority[close..].find(':').map(|i| close + i),
        None => authority.rfind(':'),
    };
    match port_colon {
        Some(i) => (&authority[..i], Some(&authority[i + 1..])),
        None => (authority, None),
    }
}
