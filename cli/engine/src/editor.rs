//! The fixed-capacity line editor: insert, delete, cursor moves, kills and history.

use embedded_io::Write;
use heapless::Vec;

use crate::history::History;
use crate::keys::Key;
use crate::output::{BELL, ERASE_TO_END, Out};
use crate::prompt::Prompt;

/// Longest line the editor accepts, in bytes (ASCII, so also columns).
pub const LINE_MAX: usize = 512;

/// What the session must do after a key the editor handled itself or passed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edit {
    /// The key was an edit (or ignored): nothing else to do.
    Done,
    /// Enter: run the line.
    Submit,
    /// `?`: show help for the text before the cursor.
    Help,
    /// Tab: complete the word before the cursor.
    Complete,
    /// Ctrl-C: the line was abandoned.
    Interrupt,
    /// Ctrl-Z: the line was abandoned; go to privileged EXEC.
    Suspend,
    /// Ctrl-D on an empty line: `exit`.
    Exit,
}

/// The line being typed, its cursor and the session's history.
#[derive(Debug, Default)]
pub(crate) struct Editor {
    line: Vec<u8, LINE_MAX>,
    cursor: usize,
    /// The line being typed before browsing history started.
    draft: Vec<u8, LINE_MAX>,
    history: History,
}

impl Editor {
    /// The whole line (always printable ASCII).
    pub(crate) fn line(&self) -> &str {
        core::str::from_utf8(&self.line).unwrap_or_default()
    }

    /// The text before the cursor.
    pub(crate) fn before_cursor(&self) -> &str {
        core::str::from_utf8(self.line.get(..self.cursor).unwrap_or_default()).unwrap_or_default()
    }

    /// The history, for `show history` and for recording lines.
    pub(crate) fn history(&self) -> &History {
        &self.history
    }

    /// Records the line in history and empties it.
    pub(crate) fn submit(&mut self) {
        let line = core::mem::take(&mut self.line);
        self.history.record(core::str::from_utf8(&line).unwrap_or_default());
        self.cursor = 0;
        self.draft.clear();
    }

    /// Empties the line without recording it.
    pub(crate) fn clear(&mut self) {
        self.line.clear();
        self.cursor = 0;
        self.history.reset();
    }

    /// Handles one key, echoing its effect.
    pub(crate) fn key<W: Write>(&mut self, key: Key, prompt: &Prompt<'_>, out: &mut Out<'_, W>) -> Edit {
        if !matches!(key, Key::Up | Key::Down | Key::Left | Key::Right | Key::Home | Key::End) {
            self.history.reset();
        }
        match key {
            Key::Char(c) => {
                if !self.insert(c, out) {
                    out.bytes(BELL);
                }
            }
            Key::Enter => return Edit::Submit,
            Key::Help => return Edit::Help,
            Key::Tab => return Edit::Complete,
            Key::Interrupt => return Edit::Interrupt,
            Key::Suspend => return Edit::Suspend,
            Key::CtrlD if self.line.is_empty() => return Edit::Exit,
            Key::CtrlD | Key::Delete => {
                if self.cursor < self.line.len() {
                    self.line.remove(self.cursor);
                    self.redraw(prompt, out);
                } else {
                    out.bytes(BELL);
                }
            }
            Key::Backspace => self.backspace(prompt, out),
            Key::Left if self.cursor > 0 => {
                self.cursor -= 1;
                out.cursor_left(1);
            }
            Key::Right if self.cursor < self.line.len() => {
                out.bytes(&self.line[self.cursor..=self.cursor]);
                self.cursor += 1;
            }
            Key::Left | Key::Right => out.bytes(BELL),
            Key::Home => {
                out.cursor_left(self.cursor);
                self.cursor = 0;
            }
            Key::End => {
                out.bytes(&self.line[self.cursor..]);
                self.cursor = self.line.len();
            }
            Key::KillLine => {
                self.line.clear();
                self.cursor = 0;
                self.redraw(prompt, out);
            }
            Key::KillToEnd => {
                self.line.truncate(self.cursor);
                out.bytes(ERASE_TO_END);
            }
            Key::KillWord => self.kill_word(prompt, out),
            Key::Redraw => {
                out.fresh_line();
                self.redraw(prompt, out);
            }
            Key::Up => self.older(prompt, out),
            Key::Down => self.newer(prompt, out),
            Key::Rejected => out.bytes(BELL),
        }
        Edit::Done
    }

    /// Inserts text at the cursor (for completion); stops with a bell when the line is full.
    pub(crate) fn insert_str<W: Write>(&mut self, text: &str, prompt: &Prompt<'_>, out: &mut Out<'_, W>) {
        let at_end = self.cursor == self.line.len();
        for b in text.bytes().filter(|b| (0x20..0x7f).contains(b)) {
            if self.line.insert(self.cursor, b).is_err() {
                out.bytes(BELL);
                break;
            }
            self.cursor += 1;
            if at_end {
                out.bytes(&[b]);
            }
        }
        if !at_end {
            self.redraw(prompt, out);
        }
    }

    /// Writes the prompt and the line, and puts the cursor back where it was.
    pub(crate) fn redraw<W: Write>(&self, prompt: &Prompt<'_>, out: &mut Out<'_, W>) {
        out.bytes(b"\r");
        prompt.write(out);
        out.bytes(&self.line);
        out.bytes(ERASE_TO_END);
        out.cursor_left(self.line.len() - self.cursor);
    }

    fn insert<W: Write>(&mut self, c: u8, out: &mut Out<'_, W>) -> bool {
        if self.line.insert(self.cursor, c).is_err() {
            return false;
        }
        out.bytes(&self.line[self.cursor..]);
        self.cursor += 1;
        out.cursor_left(self.line.len() - self.cursor);
        true
    }

    fn backspace<W: Write>(&mut self, prompt: &Prompt<'_>, out: &mut Out<'_, W>) {
        if self.cursor == 0 {
            out.bytes(BELL);
            return;
        }
        self.cursor -= 1;
        self.line.remove(self.cursor);
        if self.cursor == self.line.len() {
            out.cursor_left(1);
            out.bytes(ERASE_TO_END);
        } else {
            self.redraw(prompt, out);
        }
    }

    fn kill_word<W: Write>(&mut self, prompt: &Prompt<'_>, out: &mut Out<'_, W>) {
        let before = &self.line[..self.cursor];
        let word_end = before.iter().rposition(|&b| b != b' ').map_or(0, |i| i + 1);
        let start = before[..word_end].iter().rposition(|&b| b == b' ').map_or(0, |i| i + 1);
        if start == self.cursor {
            out.bytes(BELL);
            return;
        }
        let tail: Vec<u8, LINE_MAX> = Vec::from_slice(&self.line[self.cursor..]).unwrap_or_default();
        self.line.truncate(start);
        // Cannot overflow: the tail was part of the line.
        let _ = self.line.extend_from_slice(&tail);
        self.cursor = start;
        self.redraw(prompt, out);
    }

    fn older<W: Write>(&mut self, prompt: &Prompt<'_>, out: &mut Out<'_, W>) {
        if !self.history.browsing() {
            self.draft.clone_from(&self.line);
        }
        match self.history.older() {
            Some(line) => {
                self.line = Vec::from_slice(line.as_bytes()).unwrap_or_default();
                self.cursor = self.line.len();
                self.redraw(prompt, out);
            }
            None => out.bytes(BELL),
        }
    }

    fn newer<W: Write>(&mut self, prompt: &Prompt<'_>, out: &mut Out<'_, W>) {
        match self.history.newer() {
            Some(Some(line)) => self.line = Vec::from_slice(line.as_bytes()).unwrap_or_default(),
            Some(None) => self.line.clone_from(&self.draft),
            None => {
                out.bytes(BELL);
                return;
            }
        }
        self.cursor = self.line.len();
        self.redraw(prompt, out);
    }
}
