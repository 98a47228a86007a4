//! Reassembly of frames from a byte stream, sans I/O: bytes go in as they arrive, whole
//! messages come out; what was read of an unfinished frame is kept.

use crate::error::WireError;
use crate::message::Repr;
use crate::packet::{HEADER_LEN, Packet, frame_len};
use alloc::vec::Vec;

/// Bytes received and not yet a whole frame.
#[derive(Debug, Default)]
pub struct FrameBuffer {
    buf: Vec<u8>,
}

impl FrameBuffer {
    /// Appends received bytes.
    pub fn push(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Whether part of a frame is waiting for more bytes.
    pub fn is_partial(&self) -> bool {
        !self.buf.is_empty()
    }

    /// The next whole message, `None` until one is complete; a bad length is refused as
    /// soon as the header is in, before the body is waited for.
    pub fn next_message(&mut self) -> Result<Option<Repr>, WireError> {
        let Some(header) = self.buf.first_chunk::<HEADER_LEN>() else { return Ok(None) };
        let len = frame_len(header)?;
        if self.buf.len() < len {
            return Ok(None);
        }
        let rest = self.buf.split_off(len);
        let frame = core::mem::replace(&mut self.buf, rest);
        Repr::parse(&Packet::new_checked(&frame[..])?).map(Some)
    }
}
