//! The `MS-ASProtocolVersion` and `X-MS-PolicyKey` headers (MS-ASHTTP 2.2.1.1.2.6, 2.2.1.1.2.8).

use core::fmt;

use crate::error::HeaderError;

/// An ActiveSync protocol version: the values MS-ASHTTP 2.2.1.1.2.6 lists as valid.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProtocolVersion {
    /// 2.5
    V2_5,
    /// 12.0
    V12_0,
    /// 12.1
    V12_1,
    /// 14.0
    V14_0,
    /// 14.1
    V14_1,
    /// 16.0
    V16_0,
    /// 16.1
    V16_1,
}

const VERSIONS: [(ProtocolVersion, &str, u8); 7] = [
    (ProtocolVersion::V2_5, "2.5", 25),
    (ProtocolVersion::V12_0, "12.0", 120),
    (ProtocolVersion::V12_1, "12.1", 121),
    (ProtocolVersion::V14_0, "14.0", 140),
    (ProtocolVersion::V14_1, "14.1", 141),
    (ProtocolVersion::V16_0, "16.0", 160),
    (ProtocolVersion::V16_1, "16.1", 161),
];

impl ProtocolVersion {
    /// Parses an `MS-ASProtocolVersion` header value such as `14.1`.
    ///
    /// Surrounding spaces and tabs are ignored (HTTP optional whitespace); anything
    /// other than the seven listed versions is refused.
    pub fn parse(value: &[u8]) -> Result<Self, HeaderError> {
        let value = trim_ows(value);
        if value.is_empty() {
            return Err(HeaderError::Empty);
        }
        VERSIONS
            .iter()
            .find(|(_, s, _)| s.as_bytes() == value)
            .map(|(v, _, _)| *v)
            .ok_or(HeaderError::UnknownProtocolVersion)
    }

    /// The version named by the base64 form's protocol version byte (`141` is 14.1).
    pub fn from_byte(byte: u8) -> Option<Self> {
        VERSIONS.iter().find(|(_, _, b)| *b == byte).map(|(v, _, _)| *v)
    }

    /// The version as the header writes it (`14.1`).
    pub fn as_str(self) -> &'static str {
        VERSIONS.iter().find(|(v, _, _)| *v == self).map_or("", |(_, s, _)| s)
    }

    /// The version as the base64 form's protocol version byte writes it (`141`).
    pub fn as_byte(self) -> u8 {
        VERSIONS.iter().find(|(v, _, _)| *v == self).map_or(0, |(_, _, b)| *b)
    }

    /// Whether a client of this version may use the base64 query form (12.1 and later).
    pub fn allows_base64_query(self) -> bool {
        self >= Self::V12_1
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Parses an `X-MS-PolicyKey` header value: an unsigned 32-bit decimal number.
///
/// Surrounding spaces and tabs are ignored; at most 10 digits, no sign.
pub fn parse_policy_key(value: &[u8]) -> Result<u32, HeaderError> {
    let start = value.len() - trim_start_ows(value).len();
    let value = trim_ows(value);
    if value.is_empty() {
        return Err(HeaderError::Empty);
    }
    if value.len() > 10 {
        return Err(HeaderError::PolicyKeyOverflow);
    }
    let mut key: u64 = 0;
    for (i, &b) in value.iter().enumerate() {
        if !b.is_ascii_digit() {
            return Err(HeaderError::NotDecimal { offset: start + i });
        }
        key = key * 10 + u64::from(b - b'0');
    }
    u32::try_from(key).map_err(|_| HeaderError::PolicyKeyOverflow)
}

fn trim_start_ows(value: &[u8]) -> &[u8] {
    let n = value.iter().take_while(|b| matches!(b, b' ' | b'\t')).count();
    &value[n..]
}

fn trim_ows(value: &[u8]) -> &[u8] {
    let value = trim_start_ows(value);
    let n = value.iter().rev().take_while(|b| matches!(b, b' ' | b'\t')).count();
    &value[..value.len() - n]
}
