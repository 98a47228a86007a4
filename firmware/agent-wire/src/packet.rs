//! The frame: a 4-byte length, a type, a body.

use crate::error::WireError;

/// The frame header: length (4 bytes) and type (1 byte).
pub const HEADER_LEN: usize = 5;
/// The largest value of the length field (type + body).
pub const MAX_FRAME: usize = 256 * 1024;

/// The whole frame's length from its first [`HEADER_LEN`] bytes, so a reader knows how
/// much to wait for; refused if out of bounds.
pub fn frame_len(header: &[u8; HEADER_LEN]) -> Result<usize, WireError> {
    let len = usize::try_from(u32::from_be_bytes([header[0], header[1], header[2], header[3]]))
        .map_err(|_| WireError::FrameLength(usize::MAX))?;
    if len == 0 || len > MAX_FRAME {
        return Err(WireError::FrameLength(len));
    }
    Ok(len + 4)
}

/// A view of one frame over a buffer.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// A view without checks; use [`Packet::new_checked`] on bytes from the network.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// A view of a buffer holding exactly one frame whose length field agrees with it.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let bytes = buffer.as_ref();
        let header = bytes
            .first_chunk::<HEADER_LEN>()
            .ok_or_else(|| WireError::Truncated { field: "header", needed: HEADER_LEN - bytes.len() })?;
        let len = frame_len(header)?;
        if bytes.len() < len {
            return Err(WireError::Truncated { field: "body", needed: len - bytes.len() });
        }
        if bytes.len() > len {
            return Err(WireError::Trailing(bytes.len() - len));
        }
        Ok(Self { buffer })
    }

    /// The type byte.
    pub fn message_type(&self) -> u8 {
        self.buffer.as_ref()[4]
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..]
    }

    /// The underlying buffer.
    pub fn into_inner(self) -> T {
        self.buffer
    }
}
