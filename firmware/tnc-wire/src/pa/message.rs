//! The PA-TNC message: header view and validated representation.

use alloc::vec::Vec;

use super::attr::{ATTRIBUTE_HEADER_LEN, Attribute};
use crate::{Limits, WireError, bytes::to_vec};

/// The PA-TNC version of RFC 5792.
pub const PA_TNC_VERSION: u8 = 1;
/// Bytes of the PA-TNC message header.
pub const MESSAGE_HEADER_LEN: usize = 8;

/// A view of one PA-TNC message over a buffer.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer that holds at least the header, of version 1.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let len = buffer.as_ref().len();
        if len < MESSAGE_HEADER_LEN {
            return Err(WireError::Truncated {
                what: "PA-TNC message header",
                needed: MESSAGE_HEADER_LEN,
                available: len,
            });
        }
        let p = Self { buffer };
        if p.version() != PA_TNC_VERSION {
            return Err(WireError::Version { what: "PA-TNC message", version: p.version() });
        }
        Ok(p)
    }

    /// The version octet.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0]
    }

    /// The message identifier.
    pub fn identifier(&self) -> u32 {
        let b = self.buffer.as_ref();
        u32::from_be_bytes([b[4], b[5], b[6], b[7]])
    }

    /// The attributes after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[MESSAGE_HEADER_LEN..]
    }
}

/// One PA-TNC message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaMessageRepr {
    /// The message identifier (strongSwan uses a random nonce; it is also the base id of
    /// segmented attributes).
    pub identifier: u32,
    /// The attributes, in order.
    pub attributes: Vec<Attribute>,
}

impl PaMessageRepr {
    /// Parses and validates a message, at most `limits.max_attributes` attributes.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>, limits: &Limits) -> Result<Self, WireError> {
        let mut rest = packet.payload();
        let mut attributes = Vec::new();
        while !rest.is_empty() {
            if attributes.len() == limits.max_attributes {
                return Err(WireError::TooLarge {
                    what: "PA-TNC attributes in a message",
                    len: attributes.len() as u64 + 1,
                    max: limits.max_attributes as u64,
                });
            }
            let (attribute, used) = Attribute::parse(rest, limits)?;
            attributes.push(attribute);
            rest = &rest[used..];
        }
        Ok(Self { identifier: packet.identifier(), attributes })
    }

    /// Parses a whole message from bytes.
    pub fn parse_bytes(bytes: &[u8], limits: &Limits) -> Result<Self, WireError> {
        Self::parse(&Packet::new_checked(bytes)?, limits)
    }

    /// Bytes of the emitted message.
    pub fn buffer_len(&self) -> usize {
        MESSAGE_HEADER_LEN + self.attributes.iter().map(|a| ATTRIBUTE_HEADER_LEN + a.value_len()).sum::<usize>()
    }

    /// Emits into `buf` ([`Self::buffer_len`] bytes); refuses attributes whose fields do
    /// not fit their length prefixes.
    pub fn emit(&self, buf: &mut [u8]) -> Result<(), WireError> {
        self.attributes.iter().try_for_each(Attribute::check)?;
        buf[0] = PA_TNC_VERSION;
        buf[1..4].fill(0);
        buf[4..8].copy_from_slice(&self.identifier.to_be_bytes());
        let mut at = MESSAGE_HEADER_LEN;
        for a in &self.attributes {
            let n = ATTRIBUTE_HEADER_LEN + a.value_len();
            a.emit(&mut buf[at..at + n]);
            at += n;
        }
        Ok(())
    }

    /// Emits into a new vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = to_vec(self.buffer_len(), |_| {});
        self.emit(&mut out)?;
        Ok(out)
    }
}
