//! Domain names: read with compression (strict bounds), kept uncompressed.

use crate::error::DnsError;
use alloc::string::String;
use alloc::vec::Vec;

/// The longest name in wire form (labels, their length bytes and the root), RFC 1035.
pub const MAX_NAME_LEN: usize = 255;

/// A domain name in uncompressed wire form: length-prefixed labels ending with the root
/// (a zero byte). Case is kept as received.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Name(Vec<u8>);

impl Name {
    /// The root name.
    pub fn root() -> Self {
        Self(alloc::vec![0])
    }

    /// A name from dotted text (`intranet.corp.example`, no trailing dot); `None` if a
    /// label is empty or longer than 63 bytes, or the name is too long.
    pub fn from_dotted(text: &str) -> Option<Self> {
        let mut wire = Vec::with_capacity(text.len() + 2);
        for label in text.split('.') {
            if label.is_empty() || label.len() > 63 {
                return None;
            }
            wire.push(u8::try_from(label.len()).ok()?);
            wire.extend_from_slice(label.as_bytes());
        }
        wire.push(0);
        (wire.len() <= MAX_NAME_LEN).then_some(Self(wire))
    }

    /// The uncompressed wire form.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The labels, from the leftmost.
    pub fn labels(&self) -> impl Iterator<Item = &[u8]> {
        let mut rest = &self.0[..];
        core::iter::from_fn(move || {
            let (&len, tail) = rest.split_first()?;
            if len == 0 {
                return None;
            }
            let (label, tail) = tail.split_at(usize::from(len));
            rest = tail;
            Some(label)
        })
    }

    /// The name as lower-case dotted text, or `None` if a label holds a byte other than
    /// an ASCII letter, digit or `-` (no protected name has one).
    pub fn to_host_name(&self) -> Option<String> {
        let mut text = String::with_capacity(self.0.len());
        for label in self.labels() {
            if !label.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-') {
                return None;
            }
            if !text.is_empty() {
                text.push('.');
            }
            text.extend(label.iter().map(|b| char::from(b.to_ascii_lowercase())));
        }
        Some(text)
    }

    /// Reads the name at `start` of `message`; returns it and the offset just after it
    /// (after the first pointer, if compressed). Every pointer must point before the
    /// labels it was read from, so reading ends after at most `message.len()` steps.
    pub(crate) fn read(message: &[u8], start: usize) -> Result<(Self, usize), DnsError> {
        let mut wire = Vec::new();
        let mut pos = start;
        let mut limit = start;
        let mut end = None;
        loop {
            let len = *message.get(pos).ok_or(DnsError::Truncated("name"))?;
            match len & 0xC0 {
                0x00 if len == 0 => {
                    wire.push(0);
                    return Ok((Self(wire), end.unwrap_or(pos + 1)));
                }
                0x00 => {
                    let label = message.get(pos + 1..pos + 1 + usize::from(len)).ok_or(DnsError::Truncated("label"))?;
                    if wire.len() + 1 + label.len() + 1 > MAX_NAME_LEN {
                        return Err(DnsError::NameTooLong);
                    }
                    wire.push(len);
                    wire.extend_from_slice(label);
                    pos += 1 + label.len();
                }
                0xC0 => {
                    let low = *message.get(pos + 1).ok_or(DnsError::Truncated("pointer"))?;
                    let target = usize::from(len & 0x3F) << 8 | usize::from(low);
                    if target >= limit {
                        return Err(DnsError::BadPointer);
                    }
                    end.get_or_insert(pos + 2);
                    limit = target;
                    pos = target;
                }
                other => return Err(DnsError::BadLabelType(other)),
            }
        }
    }
}
