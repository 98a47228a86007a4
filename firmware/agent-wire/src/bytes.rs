//! A bounds-checked reader and a writer over byte slices.

use crate::error::WireError;
use alloc::string::String;
use alloc::vec::Vec;

/// Reads fields in order; every read checks the length first.
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self { buf }
    }

    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> Result<&'a [u8], WireError> {
        if self.buf.len() < n {
            return Err(WireError::Truncated { field, needed: n - self.buf.len() });
        }
        let (head, rest) = self.buf.split_at(n);
        self.buf = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self, field: &'static str) -> Result<u8, WireError> {
        Ok(self.take(1, field)?[0])
    }

    pub(crate) fn u16(&mut self, field: &'static str) -> Result<u16, WireError> {
        let b = self.take(2, field)?;
        Ok(u16::from_be_bytes([b[0], b[1]]))
    }

    pub(crate) fn u64(&mut self, field: &'static str) -> Result<u64, WireError> {
        let mut out = [0u8; 8];
        out.copy_from_slice(self.take(8, field)?);
        Ok(u64::from_be_bytes(out))
    }

    /// A one-byte length, then that many bytes of UTF-8, at most `max`.
    pub(crate) fn str8(&mut self, field: &'static str, max: usize) -> Result<String, WireError> {
        let len = usize::from(self.u8(field)?);
        if len > max {
            return Err(WireError::TooLong { field, len, max });
        }
        let bytes = self.take(len, field)?;
        let text = core::str::from_utf8(bytes).map_err(|_| WireError::Invalid { field, detail: "not UTF-8" })?;
        if text.chars().any(char::is_control) {
            return Err(WireError::Invalid { field, detail: "control character" });
        }
        Ok(String::from(text))
    }

    /// Whether every byte was read.
    pub(crate) fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Fails unless every byte was read.
    pub(crate) fn finish(&self) -> Result<(), WireError> {
        match self.buf.len() {
            0 => Ok(()),
            n => Err(WireError::Trailing(n)),
        }
    }
}

/// Appends fields; lengths were checked by the caller (`Repr::check`).
pub(crate) struct Writer<'a> {
    pub(crate) buf: &'a mut Vec<u8>,
}

impl Writer<'_> {
    pub(crate) fn str8(&mut self, text: &str) {
        self.buf.push(u8::try_from(text.len()).unwrap_or(u8::MAX));
        self.buf.extend_from_slice(text.as_bytes());
    }
}

/// Fails if `text` is longer than `max` bytes (all str8 bounds are below 256).
pub(crate) fn check_str(field: &'static str, text: &str, max: usize) -> Result<(), WireError> {
    if text.len() > max {
        return Err(WireError::TooLong { field, len: text.len(), max });
    }
    if text.chars().any(char::is_control) {
        return Err(WireError::Invalid { field, detail: "control character" });
    }
    Ok(())
}
