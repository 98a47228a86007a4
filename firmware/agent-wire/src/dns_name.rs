//! The DNS names of a protected resource: exact names (`intranet.corp.example`) and
//! wildcards (`*.corp.example`, every name below the suffix, not the suffix itself).

use crate::error::WireError;

/// The longest name, in bytes, without a trailing dot (RFC 1035's 255 bytes on the wire).
pub const MAX_DNS_NAME: usize = 253;
/// The most names one resource lists.
pub const MAX_NAMES: usize = 16;
/// The most names one message lists, over all its resources.
pub const MAX_NAMES_TOTAL: usize = 240;

/// Fails unless `name` is a lower-case host name (labels of 1 to 63 letters, digits and
/// inner `-`, no trailing dot, at least two labels) or `*.` followed by one.
pub fn check_dns_name(name: &str) -> Result<(), WireError> {
    let invalid = |detail| WireError::Invalid { field: "dns name", detail };
    if name.len() > MAX_DNS_NAME {
        return Err(WireError::TooLong { field: "dns name", len: name.len(), max: MAX_DNS_NAME });
    }
    let host = name.strip_prefix("*.").unwrap_or(name);
    if host.split('.').count() < 2 {
        return Err(invalid("needs at least two labels"));
    }
    for label in host.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(invalid("a label is empty or longer than 63 bytes"));
        }
        if !label.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(invalid("only lower-case letters, digits, '-' and '.' (and a leading '*.') are allowed"));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return Err(invalid("a label starts or ends with '-'"));
        }
    }
    Ok(())
}
