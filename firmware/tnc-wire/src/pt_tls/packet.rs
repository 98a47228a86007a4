//! The PT-TLS message header as a checked view over bytes.

use crate::{Limits, WireError};

/// Bytes of the PT-TLS message header.
pub const HEADER_LEN: usize = 16;

/// A view of one PT-TLS message (header and value) over a buffer.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it; accessors may panic on short buffers.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer holding exactly one message: the length field must be at least the
    /// header, at most `limits.max_pt_tls_message`, and equal to the buffer's length.
    pub fn new_checked(buffer: T, limits: &Limits) -> Result<Self, WireError> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated { what: "PT-TLS header", needed: HEADER_LEN, available: len });
        }
        let packet = Self { buffer };
        let declared = packet.message_length();
        check_length(declared, limits)?;
        if declared as usize != len {
            return Err(WireError::LengthMismatch {
                what: "PT-TLS message",
                declared: u64::from(declared),
                actual: len,
            });
        }
        Ok(packet)
    }

    fn field(&self, at: usize) -> u32 {
        let b = self.buffer.as_ref();
        u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
    }

    /// The reserved octet (sent as zero, ignored on receipt).
    pub fn reserved(&self) -> u8 {
        self.buffer.as_ref()[0]
    }

    /// The message type's vendor id (24 bits; 0 for the IETF types).
    pub fn vendor_id(&self) -> u32 {
        self.field(0) & 0x00ff_ffff
    }

    /// The message type.
    pub fn message_type(&self) -> u32 {
        self.field(4)
    }

    /// The message length, header included.
    pub fn message_length(&self) -> u32 {
        self.field(8)
    }

    /// The sender's message identifier.
    pub fn identifier(&self) -> u32 {
        self.field(12)
    }

    /// The message value after the header.
    pub fn value(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }

    /// The wrapped buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Packet<T> {
    /// Writes the header fields (reserved octet zero).
    pub fn set_header(&mut self, vendor_id: u32, message_type: u32, length: u32, identifier: u32) {
        let b = self.buffer.as_mut();
        b[0..4].copy_from_slice(&(vendor_id & 0x00ff_ffff).to_be_bytes());
        b[4..8].copy_from_slice(&message_type.to_be_bytes());
        b[8..12].copy_from_slice(&length.to_be_bytes());
        b[12..16].copy_from_slice(&identifier.to_be_bytes());
    }

    /// The message value, writable.
    pub fn value_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[HEADER_LEN..]
    }
}

fn check_length(declared: u32, limits: &Limits) -> Result<(), WireError> {
    if (declared as usize) < HEADER_LEN {
        return Err(WireError::Invalid { what: "PT-TLS message length", reason: "shorter than the header" });
    }
    if declared > limits.max_pt_tls_message {
        return Err(WireError::TooLarge {
            what: "PT-TLS message",
            len: u64::from(declared),
            max: u64::from(limits.max_pt_tls_message),
        });
    }
    Ok(())
}

/// For a stream reader: given the first [`HEADER_LEN`] bytes of a message, the total
/// length of the message (header included), checked against the limits before anything
/// more is read.
pub fn frame_len(header: &[u8; HEADER_LEN], limits: &Limits) -> Result<usize, WireError> {
    let declared = Packet::new_unchecked(&header[..]).message_length();
    check_length(declared, limits)?;
    Ok(declared as usize)
}
