//! Turns raw terminal bytes into editing keys: escape sequences, line endings, control keys.

/// One decoded key press.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Key {
    /// A printable ASCII character (0x20..=0x7e, except `?`).
    Char(u8),
    /// `?`: context help.
    Help,
    /// CR, LF, CRLF or CR NUL.
    Enter,
    /// 0x7f or 0x08: delete the character before the cursor.
    Backspace,
    /// `ESC [ 3 ~`: delete the character under the cursor.
    Delete,
    /// Ctrl-D: `exit` on an empty line, otherwise delete under the cursor.
    CtrlD,
    /// Left arrow or Ctrl-B.
    Left,
    /// Right arrow or Ctrl-F.
    Right,
    /// Up arrow or Ctrl-P: older history entry.
    Up,
    /// Down arrow or Ctrl-N: newer history entry.
    Down,
    /// Ctrl-A, Home.
    Home,
    /// Ctrl-E, End.
    End,
    /// Ctrl-U: erase the whole line.
    KillLine,
    /// Ctrl-K: erase from the cursor to the end of the line.
    KillToEnd,
    /// Ctrl-W: erase the word before the cursor.
    KillWord,
    /// Ctrl-L: redraw the line.
    Redraw,
    /// Ctrl-C: abandon the line.
    Interrupt,
    /// Ctrl-Z: abandon the line and go to privileged EXEC.
    Suspend,
    /// Tab: complete the word before the cursor.
    Tab,
    /// A byte outside ASCII that starts a character: refused with a bell.
    Rejected,
}

/// Longest parameter/intermediate run accepted in a control sequence before it is dropped.
const MAX_SEQUENCE: u8 = 32;

/// Marks, in a control sequence's kept parameter, that the first number has ended.
const FIRST_DONE: u16 = 0x8000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Ground,
    /// Just saw ESC.
    Escape,
    /// Inside `ESC [`: first numeric parameter (saturating), bytes seen so far.
    Csi {
        param: u16,
        len: u8,
    },
    /// Just saw `ESC O`.
    Ss3,
    /// Just saw Ctrl-V: the next printable character is taken literally (so `?` can be
    /// typed into a value, as on IOS).
    Quote,
}

/// Byte-at-a-time key decoder; it never stores more than a few integers.
#[derive(Debug, Clone)]
pub(crate) struct KeyDecoder {
    state: State,
    after_cr: bool,
}

impl Default for KeyDecoder {
    fn default() -> Self {
        Self { state: State::Ground, after_cr: false }
    }
}

impl KeyDecoder {
    /// Decodes one byte; `None` when the byte completes no key or is ignored.
    pub(crate) fn push(&mut self, byte: u8) -> Option<Key> {
        let after_cr = core::mem::replace(&mut self.after_cr, false);
        match self.state {
            State::Ground => self.ground(byte, after_cr),
            State::Escape => match byte {
                b'[' => {
                    self.state = State::Csi { param: 0, len: 0 };
                    None
                }
                b'O' => {
                    self.state = State::Ss3;
                    None
                }
                0x1b => None,
                _ => {
                    // A lone ESC followed by text: the ESC is dropped, the text kept.
                    self.state = State::Ground;
                    self.ground(byte, false)
                }
            },
            State::Csi { param, len } => self.csi(byte, param, len),
            State::Quote => {
                self.state = State::Ground;
                match byte {
                    0x20..=0x7e => Some(Key::Char(byte)),
                    _ => self.ground(byte, after_cr),
                }
            }
            State::Ss3 => {
                self.state = State::Ground;
                match byte {
                    b'A' => Some(Key::Up),
                    b'B' => Some(Key::Down),
                    b'C' => Some(Key::Right),
                    b'D' => Some(Key::Left),
                    b'H' => Some(Key::Home),
                    b'F' => Some(Key::End),
                    0x20..=0x7e => None,
                    _ => self.ground(byte, false),
                }
            }
        }
    }

    fn csi(&mut self, byte: u8, param: u16, len: u8) -> Option<Key> {
        match byte {
            0x20..=0x3f => {
                // Parameters and intermediates; only the first number is kept.
                let param = match byte {
                    b'0'..=b'9' if param & FIRST_DONE == 0 => {
                        (param.saturating_mul(10).saturating_add(u16::from(byte - b'0'))) & !FIRST_DONE
                    }
                    _ => param | FIRST_DONE,
                };
                // Over-long sequences are swallowed up to their final byte and then dropped.
                let len = len.saturating_add(1);
                self.state = State::Csi { param, len };
                None
            }
            0x40..=0x7e => {
                self.state = State::Ground;
                if len > MAX_SEQUENCE {
                    return None;
                }
                match byte {
                    b'A' => Some(Key::Up),
                    b'B' => Some(Key::Down),
                    b'C' => Some(Key::Right),
                    b'D' => Some(Key::Left),
                    b'H' => Some(Key::Home),
                    b'F' => Some(Key::End),
                    b'~' => match param & !FIRST_DONE {
                        1 | 7 => Some(Key::Home),
                        4 | 8 => Some(Key::End),
                        3 => Some(Key::Delete),
                        _ => None,
                    },
                    _ => None,
                }
            }
            _ => {
                // A control byte or non-ASCII inside a sequence ends it; the byte counts.
                self.state = State::Ground;
                self.ground(byte, false)
            }
        }
    }

    fn ground(&mut self, byte: u8, after_cr: bool) -> Option<Key> {
        match byte {
            b'\r' => {
                self.after_cr = true;
                Some(Key::Enter)
            }
            b'\n' | 0 if after_cr => None,
            b'\n' => Some(Key::Enter),
            0x1b => {
                self.state = State::Escape;
                None
            }
            b'?' => Some(Key::Help),
            0x20..=0x7e => Some(Key::Char(byte)),
            0x7f | 0x08 => Some(Key::Backspace),
            0x01 => Some(Key::Home),
            0x02 => Some(Key::Left),
            0x03 => Some(Key::Interrupt),
            0x04 => Some(Key::CtrlD),
            0x05 => Some(Key::End),
            0x06 => Some(Key::Right),
            b'\t' => Some(Key::Tab),
            0x0b => Some(Key::KillToEnd),
            0x0c => Some(Key::Redraw),
            0x0e => Some(Key::Down),
            0x10 => Some(Key::Up),
            0x15 => Some(Key::KillLine),
            0x16 => {
                self.state = State::Quote;
                None
            }
            0x17 => Some(Key::KillWord),
            0x1a => Some(Key::Suspend),
            // UTF-8 lead bytes (and stray 0xf8..): one refusal per character.
            0xc0..=0xff => Some(Key::Rejected),
            // Continuation bytes and the remaining control bytes are dropped silently.
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Key, KeyDecoder};
    use alloc::vec::Vec;

    fn keys(bytes: &[u8]) -> Vec<Key> {
        let mut d = KeyDecoder::default();
        bytes.iter().filter_map(|&b| d.push(b)).collect()
    }

    #[test]
    fn ctrl_v_quotes_the_next_character() {
        assert_eq!(keys(b"a\x16?b?"), [Key::Char(b'a'), Key::Char(b'?'), Key::Char(b'b'), Key::Help]);
        // A control byte after Ctrl-V keeps its meaning.
        assert_eq!(keys(b"\x16\r"), [Key::Enter]);
    }

    #[test]
    fn line_endings_count_once() {
        assert_eq!(keys(b"\r\n"), [Key::Enter]);
        assert_eq!(keys(b"\r\0"), [Key::Enter]);
        assert_eq!(keys(b"\r"), [Key::Enter]);
        assert_eq!(keys(b"\n"), [Key::Enter]);
        assert_eq!(keys(b"\n\n"), [Key::Enter, Key::Enter]);
        assert_eq!(keys(b"\r\r"), [Key::Enter, Key::Enter]);
        assert_eq!(keys(b"\r\n\n"), [Key::Enter, Key::Enter]);
    }

    #[test]
    fn arrows_in_both_forms() {
        assert_eq!(keys(b"\x1b[A\x1b[B\x1b[C\x1b[D"), [Key::Up, Key::Down, Key::Right, Key::Left]);
        assert_eq!(keys(b"\x1bOA\x1bOB\x1bOC\x1bOD"), [Key::Up, Key::Down, Key::Right, Key::Left]);
        assert_eq!(keys(b"\x1b[1;5C"), [Key::Right]);
        assert_eq!(keys(b"\x1b[3~\x1b[1~\x1b[4~"), [Key::Delete, Key::Home, Key::End]);
    }

    #[test]
    fn terminal_answers_and_unknown_sequences_vanish() {
        assert_eq!(keys(b"\x1b[12;40R"), []);
        assert_eq!(keys(b"\x1b[?1049h"), []);
        assert_eq!(keys(b"\x1bOP"), []);
        assert_eq!(keys(b"\x1b[99~x"), [Key::Char(b'x')]);
    }

    #[test]
    fn lone_escape_keeps_following_text() {
        assert_eq!(keys(b"\x1bab"), [Key::Char(b'a'), Key::Char(b'b')]);
        assert_eq!(keys(b"\x1b\x1b[A"), [Key::Up]);
        assert_eq!(keys(b"\x1b[1\r"), [Key::Enter]);
    }

    #[test]
    fn over_long_sequence_is_dropped_whole() {
        let mut bytes = Vec::from(&b"\x1b["[..]);
        bytes.extend(core::iter::repeat_n(b'9', 100));
        bytes.extend_from_slice(b"Ax");
        assert_eq!(keys(&bytes), [Key::Char(b'x')]);
    }

    #[test]
    fn non_ascii_is_refused_once_per_character() {
        assert_eq!(keys("é".as_bytes()), [Key::Rejected]);
        assert_eq!(keys("€".as_bytes()), [Key::Rejected]);
        assert_eq!(keys(b"\x80\x81"), []);
        assert_eq!(keys(b"\x00\x1f\x07"), []);
        assert_eq!(keys(b"?"), [Key::Help]);
    }
}
