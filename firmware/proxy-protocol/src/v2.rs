//! Version 2: a binary header, in smoltcp's style: [`Packet`] reads and writes the fields
//! of a buffer checked once by [`Packet::new_checked`].
//!
//! ```text
//! 0..12  signature            \r\n\r\n\0\r\nQUIT\n
//! 12     version | command    0x2_ ; 0x_0 LOCAL, 0x_1 PROXY
//! 13     family | transport   0x1_ INET, 0x2_ INET6, 0x3_ UNIX ; 0x_1 STREAM, 0x_2 DGRAM
//! 14..16 length               bytes after these 16, big-endian
//! 16..   addresses, then TLVs (type: u8, length: u16 big-endian, value)
//! ```

use crate::error::ProxyError;

/// The twelve bytes every version 2 header starts with.
pub const SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// The fixed part of a version 2 header.
pub const V2_HEADER_LEN: usize = 16;
/// The longest version 2 header accepted, fixed part included: room for IPv6 or UNIX
/// addresses and a few hundred bytes of TLVs (HAProxy's unique id, authority, ALPN…).
pub const V2_MAX_LEN: usize = 1024;

/// Address bytes of each family: INET, INET6, UNIX.
pub(crate) const INET_LEN: usize = 12;
pub(crate) const INET6_LEN: usize = 36;
pub(crate) const UNIX_LEN: usize = 216;

mod field {
    use core::ops::Range;
    pub(super) const SIGNATURE: Range<usize> = 0..12;
    pub(super) const VERSION_COMMAND: usize = 12;
    pub(super) const FAMILY: usize = 13;
    pub(super) const LENGTH: Range<usize> = 14..16;
}

/// A version 2 header in a buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` without checking it; accessors may panic on a short buffer.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` after [`Packet::check_len`].
    pub fn new_checked(buffer: T) -> Result<Self, ProxyError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// Checks the signature, that the buffer holds the whole header, and its bound.
    pub fn check_len(&self) -> Result<(), ProxyError> {
        let data = self.buffer.as_ref();
        let n = data.len().min(SIGNATURE.len());
        if data[..n] != SIGNATURE[..n] {
            return Err(ProxyError::NotProxy);
        }
        if data.len() < V2_HEADER_LEN {
            return Err(ProxyError::Truncated { have: data.len(), need: V2_HEADER_LEN });
        }
        let total = self.total_len();
        if total > V2_MAX_LEN {
            return Err(ProxyError::V2TooLong { len: total, max: V2_MAX_LEN });
        }
        if data.len() < total {
            return Err(ProxyError::Truncated { have: data.len(), need: total });
        }
        Ok(())
    }

    /// Gives the buffer back.
    pub fn into_inner(self) -> T {
        self.buffer
    }

    /// The version nibble (2 for a valid header).
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION_COMMAND] >> 4
    }

    /// The command nibble: 0 LOCAL, 1 PROXY.
    pub fn command(&self) -> u8 {
        self.buffer.as_ref()[field::VERSION_COMMAND] & 0x0f
    }

    /// The family and transport byte.
    pub fn family(&self) -> u8 {
        self.buffer.as_ref()[field::FAMILY]
    }

    /// The length field: bytes after the fixed 16.
    pub fn length(&self) -> u16 {
        let d = self.buffer.as_ref();
        u16::from_be_bytes([d[field::LENGTH.start], d[field::LENGTH.start + 1]])
    }

    /// The whole header's length, the fixed 16 bytes included.
    pub fn total_len(&self) -> usize {
        V2_HEADER_LEN + usize::from(self.length())
    }

    /// The bytes after the fixed part: addresses, then TLVs.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[V2_HEADER_LEN..self.total_len()]
    }

    /// The TLVs after `address_len` bytes of addresses.
    pub fn tlvs(&self, address_len: usize) -> Tlvs<'_> {
        Tlvs { rest: self.payload().get(address_len..).unwrap_or_default() }
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Writes the signature.
    pub fn set_signature(&mut self) {
        self.buffer.as_mut()[field::SIGNATURE].copy_from_slice(&SIGNATURE);
    }

    /// Writes version 2 and `command`.
    pub fn set_command(&mut self, command: u8) {
        self.buffer.as_mut()[field::VERSION_COMMAND] = 0x20 | (command & 0x0f);
    }

    /// Writes the family and transport byte.
    pub fn set_family(&mut self, family: u8) {
        self.buffer.as_mut()[field::FAMILY] = family;
    }

    /// Writes the length field.
    pub fn set_length(&mut self, length: u16) {
        self.buffer.as_mut()[field::LENGTH].copy_from_slice(&length.to_be_bytes());
    }

    /// The bytes after the fixed part, to write addresses into.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let total = self.total_len();
        &mut self.buffer.as_mut()[V2_HEADER_LEN..total]
    }
}

/// One TLV of a version 2 header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// Its type (e.g. 0x01 ALPN, 0x02 authority, 0x05 unique id).
    pub kind: u8,
    /// Its value.
    pub value: &'a [u8],
}

/// The TLVs of a version 2 header, in order; a TLV running past the header ends the
/// iteration with an error.
#[derive(Debug, Clone)]
pub struct Tlvs<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Tlvs<'a> {
    type Item = Result<Tlv<'a>, ProxyError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        let rest = core::mem::take(&mut self.rest);
        let [kind, hi, lo, tail @ ..] = rest else {
            return Some(Err(ProxyError::V2TlvTruncated));
        };
        let len = usize::from(u16::from_be_bytes([*hi, *lo]));
        let Some((value, after)) = tail.split_at_checked(len) else {
            return Some(Err(ProxyError::V2TlvTruncated));
        };
        self.rest = after;
        Some(Ok(Tlv { kind: *kind, value }))
    }
}
