//! A CLI session: bytes in, echo and command output out, one state machine per login.

use alloc::sync::Arc;
use alloc::vec::Vec;

use core::fmt::Write as _;

use embedded_io::Write;

use crate::backend::{Backend, Frame};
use crate::editor::Editor;
use crate::grammar::Grammar;
use crate::keys::KeyDecoder;
use crate::matcher::Position;
use crate::output::Out;
use crate::privilege::Privilege;
use crate::prompt::{Mode, Prompt};

/// What the transport should do after feeding bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionEvent {
    /// Keep reading.
    Continue,
    /// The user left (`exit` from EXEC, or Ctrl-D on an empty EXEC line): close the session.
    Ended,
}

/// How one command line went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// It ran (or was blank).
    Success,
    /// It did not match, was refused, or the command failed; the reason was printed.
    Failed,
    /// It ended the session.
    Ended,
}

/// A session cannot do what was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// The session's privilege is too low (privilege comes from the login key).
    #[error("permission denied: a {privilege} session cannot enter privileged EXEC mode", privilege = .privilege.name())]
    PermissionDenied {
        /// The session's privilege.
        privilege: Privilege,
    },
}

/// One CLI session: the line editor, the mode stack and the privilege of one login.
#[derive(Debug)]
pub struct Session {
    pub(crate) grammar: Arc<Grammar>,
    pub(crate) privilege: Privilege,
    /// EXEC, privileged EXEC or CONFIG; sub-modes are in `frames`.
    pub(crate) base: Mode,
    pub(crate) frames: Vec<Frame>,
    pub(crate) editor: Editor,
    decoder: KeyDecoder,
    pub(crate) ended: bool,
    at_line_start: bool,
    /// The command collecting pasted lines, if one is.
    pub(crate) paste: Option<crate::paste::Paste>,
}

impl Session {
    /// A new session in user EXEC mode.
    pub fn new(grammar: Arc<Grammar>, privilege: Privilege) -> Self {
        Self {
            grammar,
            privilege,
            base: Mode::Exec,
            frames: Vec::new(),
            editor: Editor::default(),
            decoder: KeyDecoder::default(),
            ended: false,
            at_line_start: true,
            paste: None,
        }
    }

    /// Enters privileged EXEC mode as `enable` would (for sessions that start there, such
    /// as a scripting socket); refused below administrator privilege.
    pub fn enable(&mut self) -> Result<(), SessionError> {
        if self.privilege < Privilege::Administrator {
            return Err(SessionError::PermissionDenied { privilege: self.privilege });
        }
        if self.base == Mode::Exec {
            self.base = Mode::Privileged;
        }
        Ok(())
    }

    /// The current mode.
    pub fn mode(&self) -> Mode {
        self.frames.last().map_or(self.base, |f| Mode::Sub(f.sub_mode))
    }

    /// The sub-modes the session is in, outermost first.
    pub fn path(&self) -> &[Frame] {
        &self.frames
    }

    /// The session's privilege.
    pub fn privilege(&self) -> Privilege {
        self.privilege
    }

    /// The line being edited (never longer than [`LINE_MAX`](crate::LINE_MAX)).
    pub fn line(&self) -> &str {
        self.editor.line()
    }

    /// The lines typed so far, oldest first (at most [`HISTORY_LEN`](crate::HISTORY_LEN)).
    pub fn history(&self) -> impl Iterator<Item = &str> {
        self.editor.history().iter()
    }

    /// Whether a command is collecting pasted lines (until a line `quit`).
    pub fn is_pasting(&self) -> bool {
        self.paste.is_some()
    }

    /// Whether the session has ended.
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// Writes the first prompt.
    pub fn start<B: Backend + ?Sized, W: Write>(&mut self, backend: &B, out: &mut W) -> Result<(), W::Error> {
        let mut o = Out::new(out, self.at_line_start);
        self.prompt(backend.hostname()).write(&mut o);
        self.at_line_start = o.at_line_start();
        o.finish()
    }

    /// Feeds bytes typed by the user; echoes, runs complete lines and writes the output.
    /// Bytes after the session has ended are ignored.
    pub fn feed<B: Backend + ?Sized, W: Write>(
        &mut self,
        bytes: &[u8],
        backend: &mut B,
        out: &mut W,
    ) -> Result<SessionEvent, W::Error> {
        let mut o = Out::new(out, self.at_line_start);
        for &byte in bytes {
            if self.ended || o.failed() {
                break;
            }
            if let Some(key) = self.decoder.push(byte) {
                self.key(key, backend, &mut o);
            }
        }
        self.at_line_start = o.at_line_start();
        o.finish()?;
        Ok(if self.ended { SessionEvent::Ended } else { SessionEvent::Continue })
    }

    /// Runs one complete line without echo or prompt (scripting): errors point at the
    /// offending word under a copy of the line.
    pub fn run_line<B: Backend + ?Sized, W: Write>(
        &mut self,
        line: &str,
        backend: &mut B,
        out: &mut W,
    ) -> Result<Outcome, W::Error> {
        let mut o = Out::new(out, true);
        let outcome = if self.ended { Outcome::Ended } else { self.execute(line, backend, &mut o, None) };
        o.fresh_line();
        o.finish()?;
        Ok(outcome)
    }

    /// Runs lines separated by newlines or `;`, stopping at the first that does not
    /// succeed; returns that line's outcome, or `Success`.
    pub fn run_script<B: Backend + ?Sized, W: Write>(
        &mut self,
        script: &str,
        backend: &mut B,
        out: &mut W,
    ) -> Result<Outcome, W::Error> {
        for line in script.split(['\n', ';']) {
            let outcome = self.run_line(line.trim_end_matches('\r'), backend, out)?;
            if outcome != Outcome::Success {
                return Ok(outcome);
            }
        }
        if self.paste.take().is_some() {
            let mut o = Out::new(out, true);
            let _ = writeln!(o, "% The pasted text did not end with a line `quit`; nothing was changed.");
            o.finish()?;
            return Ok(Outcome::Failed);
        }
        Ok(Outcome::Success)
    }

    /// The prompt for the current mode.
    pub(crate) fn prompt<'a>(&'a self, host: &'a str) -> Prompt<'a> {
        prompt_for(&self.grammar, self.mode(), host)
    }

    /// Where matching starts in a mode, for this session's privilege.
    pub(crate) fn position(&self, mode: Mode) -> Position<'_> {
        Position::start(self.grammar.roots(mode), self.privilege, mode.is_config())
    }
}

/// The prompt of a mode.
pub(crate) fn prompt_for<'a>(grammar: &'a Grammar, mode: Mode, host: &'a str) -> Prompt<'a> {
    let label = match mode {
        Mode::Exec | Mode::Privileged => None,
        Mode::Config => Some("config"),
        Mode::Sub(id) => Some(grammar.sub_mode(id).map_or("config-sub", |s| s.label)),
    };
    Prompt { host, label, privileged: mode != Mode::Exec }
}
