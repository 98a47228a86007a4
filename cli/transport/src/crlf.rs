//! Terminal line endings: a pty shows `\r\n`, the CLI writes `\n`.

/// Turns each `\n` that is not already preceded by `\r` into `\r\n`, across chunk boundaries.
#[derive(Debug, Default, Clone)]
pub(crate) struct Crlf {
    after_cr: bool,
}

impl Crlf {
    /// Appends `input` to `out` with bare line feeds expanded.
    pub(crate) fn convert(&mut self, input: &[u8], out: &mut Vec<u8>) {
        out.reserve(input.len());
        for &byte in input {
            if byte == b'\n' && !self.after_cr {
                out.push(b'\r');
            }
            out.push(byte);
            self.after_cr = byte == b'\r';
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Crlf;

    fn run(chunks: &[&[u8]]) -> Vec<u8> {
        let mut crlf = Crlf::default();
        let mut out = Vec::new();
        for chunk in chunks {
            crlf.convert(chunk, &mut out);
        }
        out
    }

    #[test]
    fn bare_line_feeds_gain_a_carriage_return() {
        assert_eq!(run(&[b"a\nb\n"]), b"a\r\nb\r\n");
        assert_eq!(run(&[b"\n\n"]), b"\r\n\r\n");
    }

    #[test]
    fn existing_pairs_are_kept_even_split_across_chunks() {
        assert_eq!(run(&[b"a\r\nb"]), b"a\r\nb");
        assert_eq!(run(&[b"a\r", b"\nb"]), b"a\r\nb");
        assert_eq!(run(&[b"a\r", b"x\n"]), b"a\rx\r\n");
    }
}
