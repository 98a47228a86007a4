//! Big-endian cursor helpers shared by the layers.

use alloc::{string::String, vec::Vec};

use crate::WireError;

/// A bounds-checked reader over a byte slice.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8], what: &'static str) -> Self {
        Self { buf, pos: 0, what }
    }

    pub(crate) fn remaining(&self) -> usize {
        self.buf.len() - self.pos
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if self.remaining() < n {
            return Err(WireError::Truncated { what: self.what, needed: self.pos + n, available: self.buf.len() });
        }
        let out = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        let out = &self.buf[self.pos..];
        self.pos = self.buf.len();
        out
    }

    pub(crate) fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.take(2)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u24(&mut self) -> Result<u32, WireError> {
        let b = self.take(3)?;
        Ok(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.take(4)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A string with an 8-bit length prefix.
    pub(crate) fn string8(&mut self, field: &'static str) -> Result<String, WireError> {
        let len = usize::from(self.u8()?);
        text(self.take(len)?, field)
    }

    /// A string with a 32-bit length prefix, bounded by the bytes left.
    pub(crate) fn string32(&mut self, field: &'static str) -> Result<String, WireError> {
        let len = self.u32()? as usize;
        text(self.take(len)?, field)
    }
}

/// UTF-8 without NUL, as RFC 5792 and RFC 5793 require of their strings.
pub(crate) fn text(bytes: &[u8], field: &'static str) -> Result<String, WireError> {
    if bytes.contains(&0) {
        return Err(WireError::Invalid { what: field, reason: "NUL inside a string" });
    }
    core::str::from_utf8(bytes).map(String::from).map_err(|_| WireError::Invalid { what: field, reason: "not UTF-8" })
}

/// An appending big-endian writer.
pub(crate) struct Writer<'a> {
    buf: &'a mut [u8],
    pos: usize,
}

impl<'a> Writer<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.buf[self.pos..self.pos + b.len()].copy_from_slice(b);
        self.pos += b.len();
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.bytes(&[v]);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.bytes(&v.to_be_bytes());
    }

    pub(crate) fn u24(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes()[1..]);
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.bytes(&v.to_be_bytes());
    }

    /// A string with an 8-bit length prefix (the caller has checked it fits).
    pub(crate) fn string8(&mut self, s: &str) {
        self.u8(s.len() as u8);
        self.bytes(s.as_bytes());
    }

    /// A string with a 32-bit length prefix.
    pub(crate) fn string32(&mut self, s: &str) {
        self.u32(s.len() as u32);
        self.bytes(s.as_bytes());
    }
}

/// Emits into a fresh vector of exactly `len` bytes.
pub(crate) fn to_vec(len: usize, emit: impl FnOnce(&mut [u8])) -> Vec<u8> {
    let mut out = alloc::vec![0u8; len];
    emit(&mut out);
    out
}

/// Checks a string fits an 8-bit length prefix.
pub(crate) fn check_len8(s: &str, what: &'static str) -> Result<(), WireError> {
    if s.len() > 255 {
        return Err(WireError::TooLarge { what, len: s.len() as u64, max: 255 });
    }
    Ok(())
}
