//! Terminal output: a writer that remembers its first error, `\r\n` line ends, sanitising.

use core::fmt;

use embedded_io::Write;

/// Erase from the cursor to the end of the line.
pub(crate) const ERASE_TO_END: &[u8] = b"\x1b[K";
/// The terminal bell.
pub(crate) const BELL: &[u8] = b"\x07";

/// Wraps the transport's writer: the first error is kept and later writes are skipped,
/// so the engine's logic never has to stop half-way through a redraw.
pub(crate) struct Out<'w, W: Write> {
    writer: &'w mut W,
    error: Option<W::Error>,
    at_line_start: bool,
    after_cr: bool,
}

impl<'w, W: Write> Out<'w, W> {
    pub(crate) fn new(writer: &'w mut W, at_line_start: bool) -> Self {
        Self { writer, error: None, at_line_start, after_cr: false }
    }

    /// Writes raw bytes (already terminal-safe).
    pub(crate) fn bytes(&mut self, bytes: &[u8]) {
        let Some(&last) = bytes.last() else { return };
        if self.error.is_none()
            && let Err(e) = self.writer.write_all(bytes)
        {
            self.error = Some(e);
        }
        self.at_line_start = last == b'\n';
    }

    /// Writes a string from the engine (ASCII, `\r\n` already in place).
    pub(crate) fn str(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// Ends the current line with `\r\n`.
    pub(crate) fn newline(&mut self) {
        self.bytes(b"\r\n");
    }

    /// Starts a new line unless the cursor already is at the start of one.
    pub(crate) fn fresh_line(&mut self) {
        if !self.at_line_start {
            self.newline();
        }
    }

    /// Writes `count` copies of one byte without allocating.
    pub(crate) fn repeat(&mut self, byte: u8, count: usize) {
        let chunk = [byte; 16];
        let mut left = count;
        while left > 0 {
            let n = left.min(chunk.len());
            self.bytes(&chunk[..n]);
            left -= n;
        }
    }

    /// Moves the cursor `count` columns left.
    pub(crate) fn cursor_left(&mut self, count: usize) {
        self.repeat(0x08, count);
    }

    /// Whether the last byte written ended a line.
    pub(crate) fn at_line_start(&self) -> bool {
        self.at_line_start
    }

    /// Flushes and hands back the first error, if any.
    pub(crate) fn finish(mut self) -> Result<(), W::Error> {
        if self.error.is_none()
            && let Err(e) = self.writer.flush()
        {
            self.error = Some(e);
        }
        self.error.map_or(Ok(()), Err)
    }

    /// Text from a command: `\n` becomes `\r\n` and control characters become `?`,
    /// so nothing a command prints (for example a device id seen on the network) can
    /// drive the operator's terminal.
    pub(crate) fn text(&mut self, text: &str) {
        let mut buf = [0u8; 4];
        for c in text.chars() {
            match c {
                '\n' => {
                    if !self.after_cr {
                        self.bytes(b"\r");
                    }
                    self.bytes(b"\n");
                }
                '\r' | '\t' => self.bytes(c.encode_utf8(&mut buf).as_bytes()),
                c if c.is_control() => self.bytes(b"?"),
                c => self.bytes(c.encode_utf8(&mut buf).as_bytes()),
            }
            self.after_cr = c == '\r';
        }
    }

    /// Whether a write has failed.
    pub(crate) fn failed(&self) -> bool {
        self.error.is_some()
    }
}

impl<W: Write> fmt::Write for Out<'_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.text(s);
        if self.failed() { Err(fmt::Error) } else { Ok(()) }
    }
}

/// Writes a terminal-safe copy of `s` (printable ASCII kept, everything else `?`),
/// at most `max` characters; returns how many columns were written.
pub(crate) fn write_safe<W: Write>(out: &mut Out<'_, W>, s: &str, max: usize) -> usize {
    let mut columns = 0;
    for b in s.bytes().take(max) {
        let b = if (0x20..0x7f).contains(&b) { b } else { b'?' };
        out.bytes(&[b]);
        columns += 1;
    }
    columns
}
