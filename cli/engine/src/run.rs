//! Running a matched line: the engine's own commands, the backend's, and mode changes.

use core::fmt::Write as _;

use embedded_io::Write;

use crate::backend::{Backend, CommandError, Frame, Invocation};
use crate::editor::LINE_MAX;
use crate::matcher::{ParseError, Parsed, parse};
use crate::node::{Action, Builtin};
use crate::output::Out;
use crate::privilege::Privilege;
use crate::prompt::Mode;
use crate::report::report;
use crate::session::{Outcome, Session};

const HELP_TEXT: &str = "\
Help may be requested at any point in a command by entering a question mark '?'.
If nothing matches, the help list will be empty and you must back up until
entering a '?' shows the available options.
Two styles of help are provided:
1. Full help is available when you are ready to enter a command argument
   (e.g. 'show ?') and describes each possible argument.
2. Partial help is provided when an abbreviated argument is entered and you
   want to know what arguments match the input (e.g. 'show pr?').
Tab completes a keyword typed in part; any unique abbreviation is accepted.
";

impl Session {
    /// Matches and runs one line in the current mode. In a sub-mode, a line that does not
    /// match there is tried in the enclosing modes, and the session moves up to the one
    /// where it matches.
    pub(crate) fn execute<B: Backend + ?Sized, W: Write>(
        &mut self,
        line: &str,
        backend: &mut B,
        o: &mut Out<'_, W>,
        indent: Option<usize>,
    ) -> Outcome {
        if self.paste.is_some() {
            return self.paste_line(line, backend, o);
        }
        if line.len() > LINE_MAX {
            let _ = writeln!(o, "% Line too long (at most {LINE_MAX} characters).");
            return Outcome::Failed;
        }
        let mode = self.mode();
        let error = match parse(self.position(mode), line) {
            Ok(parsed) => return self.dispatch(parsed, backend, o),
            Err(ParseError::Empty) => return Outcome::Success,
            Err(error) => error,
        };
        if matches!(error, ParseError::Invalid { .. }) {
            let mut up = self.grammar.parent(mode).filter(|m| m.is_config());
            while let Some(ancestor) = up {
                if let Ok(parsed) = parse(self.position(ancestor), line) {
                    self.change_mode(ancestor, backend, o);
                    return self.dispatch(parsed, backend, o);
                }
                up = self.grammar.parent(ancestor).filter(|m| m.is_config());
            }
        }
        report(&error, line, indent, o);
        Outcome::Failed
    }

    pub(crate) fn dispatch<B: Backend + ?Sized, W: Write>(&mut self, parsed: Parsed, backend: &mut B, o: &mut Out<'_, W>) -> Outcome {
        self.dispatch_with(parsed, None, backend, o)
    }

    /// Runs a parsed line, with the text pasted after it; a line that pastes and has no
    /// text yet starts collecting it instead.
    pub(crate) fn dispatch_with<B: Backend + ?Sized, W: Write>(
        &mut self,
        parsed: Parsed,
        text: Option<&str>,
        backend: &mut B,
        o: &mut Out<'_, W>,
    ) -> Outcome {
        let id = match parsed.action {
            Action::Builtin(builtin) => return self.builtin(builtin, backend, o),
            Action::Backend(id) => id,
        };
        if parsed.pastes && text.is_none() {
            return self.start_paste(parsed, o);
        }
        let invocation = Invocation {
            action: id,
            negated: parsed.negated,
            mode: self.mode(),
            path: &self.frames,
            keywords: &parsed.keywords,
            args: &parsed.args,
            text,
        };
        let result = backend.execute(&invocation, o);
        o.fresh_line();
        match result {
            Ok(()) => {
                if let Some(sub_mode) = parsed.enters {
                    let from = self.mode();
                    self.frames.push(Frame { sub_mode, action: id, keywords: parsed.keywords, args: parsed.args });
                    backend.mode_changed(from, self.mode(), o);
                    o.fresh_line();
                }
                Outcome::Success
            }
            Err(CommandError::Failed(message)) => {
                let _ = writeln!(o, "% {message}");
                Outcome::Failed
            }
            Err(_) => Outcome::Failed,
        }
    }

    fn builtin<B: Backend + ?Sized, W: Write>(&mut self, builtin: Builtin, backend: &mut B, o: &mut Out<'_, W>) -> Outcome {
        match builtin {
            Builtin::Enable => {
                if self.privilege < Privilege::Administrator {
                    let _ = writeln!(
                        o,
                        "% Permission denied: this {} login cannot enter privileged mode.\n\
                         % Privilege comes from the login key; there is no enable password.",
                        self.privilege.name()
                    );
                    return Outcome::Failed;
                }
                self.change_mode(Mode::Privileged, backend, o);
            }
            Builtin::Disable => self.change_mode(Mode::Exec, backend, o),
            Builtin::Configure => {
                o.str("Enter configuration commands, one per line.  End with CNTL/Z.\r\n");
                self.change_mode(Mode::Config, backend, o);
            }
            Builtin::Exit => match self.mode() {
                Mode::Exec | Mode::Privileged => {
                    self.ended = true;
                    return Outcome::Ended;
                }
                mode => {
                    let parent = self.grammar.parent(mode).unwrap_or(Mode::Privileged);
                    self.change_mode(parent, backend, o);
                }
            },
            Builtin::End => self.change_mode(Mode::Privileged, backend, o),
            Builtin::Help => o.text(HELP_TEXT),
            Builtin::ShowHistory => {
                for line in self.editor.history().iter() {
                    let _ = writeln!(o, "  {line}");
                }
            }
        }
        Outcome::Success
    }

    /// Moves to `to`, which is the current mode, one of its ancestors, or an EXEC/CONFIG
    /// mode; sub-mode frames below `to` are dropped. The backend is told of real changes.
    pub(crate) fn change_mode<B: Backend + ?Sized, W: Write>(&mut self, to: Mode, backend: &mut B, o: &mut Out<'_, W>) {
        let from = self.mode();
        match to {
            Mode::Sub(id) => {
                if let Some(at) = self.frames.iter().rposition(|f| f.sub_mode == id) {
                    self.frames.truncate(at + 1);
                }
            }
            base => {
                self.frames.clear();
                self.base = base;
            }
        }
        if from != self.mode() {
            backend.mode_changed(from, self.mode(), o);
            o.fresh_line();
        }
    }
}
