//! Running a matched line: the engine's own commands, the backend's, and mode changes.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::Write as _;

use embedded_io::Write;

use crate::backend::{Backend, CommandError, Frame, Invocation};
use crate::editor::LINE_MAX;
use crate::matcher::{ParseError, Parsed, parse};
use crate::node::{Action, Builtin};
use crate::output::Out;
use crate::pipe::{self, Pipe, PipeError};
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
        if mode.is_config()
            && let Some(rest) = line.trim_start().strip_prefix("do ")
        {
            return self.execute_do(line, line.len() - rest.len(), backend, o, indent);
        }
        if let (command, Some(filters)) = pipe::split(line)
            && let Ok(parsed) = parse(self.position(mode), command)
            && parsed.keywords.first() == Some(&"show")
        {
            return self.dispatch_with(parsed, None, Some(filters), backend, o);
        }
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

    /// `do COMMAND` in a CONFIG mode: runs an EXEC command (a `show`, `ping`…) without
    /// leaving the mode. Commands that change mode are refused.
    fn execute_do<B: Backend + ?Sized, W: Write>(
        &mut self,
        line: &str,
        at: usize,
        backend: &mut B,
        o: &mut Out<'_, W>,
        indent: Option<usize>,
    ) -> Outcome {
        let (command, filters) = pipe::split(&line[at..]);
        let filters = filters.filter(|_| {
            parse(self.position(Mode::Privileged), command).is_ok_and(|p| p.keywords.first() == Some(&"show"))
        });
        let command = if filters.is_some() { command } else { &line[at..] };
        let parsed = match parse(self.position(Mode::Privileged), command) {
            Ok(parsed) => parsed,
            Err(ParseError::Empty) => {
                o.str("% `do` needs an EXEC command after it (e.g. `do show running-config`).\r\n");
                return Outcome::Failed;
            }
            Err(ParseError::Invalid { offset }) => {
                report(&ParseError::Invalid { offset: offset + at }, line, indent, o);
                return Outcome::Failed;
            }
            Err(error) => {
                report(&error, line, indent, o);
                return Outcome::Failed;
            }
        };
        if parsed.enters.is_some()
            || matches!(parsed.action, Action::Builtin(b) if !matches!(b, Builtin::Help | Builtin::ShowHistory))
        {
            o.str("% `do` runs EXEC commands that stay in this mode; use `end` or `exit` to leave it.\r\n");
            return Outcome::Failed;
        }
        let base = core::mem::replace(&mut self.base, Mode::Privileged);
        let frames = core::mem::take(&mut self.frames);
        let outcome = self.dispatch_with(parsed, None, filters, backend, o);
        self.base = base;
        self.frames = frames;
        outcome
    }

    pub(crate) fn dispatch<B: Backend + ?Sized, W: Write>(
        &mut self,
        parsed: Parsed,
        backend: &mut B,
        o: &mut Out<'_, W>,
    ) -> Outcome {
        self.dispatch_with(parsed, None, None, backend, o)
    }

    /// Runs a parsed line, with the text pasted after it, its output through `filters`
    /// (the text after ` | `); a line that pastes and has no text yet starts collecting it
    /// instead.
    pub(crate) fn dispatch_with<B: Backend + ?Sized, W: Write>(
        &mut self,
        parsed: Parsed,
        text: Option<&str>,
        filters: Option<&str>,
        backend: &mut B,
        o: &mut Out<'_, W>,
    ) -> Outcome {
        if let Some(filters) = filters
            && let Err(PipeError(message)) = pipe::parse(filters)
        {
            let _ = writeln!(o, "% {message}");
            return Outcome::Failed;
        }
        let id = match parsed.action {
            Action::Builtin(Builtin::ShowHistory) if filters.is_some() => {
                let history: Vec<String> = self.editor.history().iter().map(|l| format!("  {l}")).collect();
                return finish(
                    filtered(filters, o, |sink| {
                        history.iter().try_for_each(|l| writeln!(sink, "{l}")).map_err(CommandError::from)
                    }),
                    o,
                );
            }
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
        let result = filtered(filters, o, |sink| backend.execute(&invocation, sink));
        o.fresh_line();
        if result.is_ok()
            && let Some(sub_mode) = parsed.enters
        {
            let from = self.mode();
            self.frames.push(Frame { sub_mode, action: id, keywords: parsed.keywords, args: parsed.args });
            backend.mode_changed(from, self.mode(), o);
        }
        finish(result, o)
    }

    fn builtin<B: Backend + ?Sized, W: Write>(
        &mut self,
        builtin: Builtin,
        backend: &mut B,
        o: &mut Out<'_, W>,
    ) -> Outcome {
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

/// Runs `command` with its output through the filters, if any (already checked to parse).
fn filtered<W: Write>(
    filters: Option<&str>,
    o: &mut Out<'_, W>,
    command: impl FnOnce(&mut dyn core::fmt::Write) -> Result<(), CommandError>,
) -> Result<(), CommandError> {
    let Some(filters) = filters else { return command(o) };
    let mut pipe = Pipe::new(filters, o).map_err(|PipeError(message)| CommandError::Failed(message))?;
    let result = command(&mut pipe);
    result.and(pipe.finish().map_err(CommandError::from))
}

/// Prints a command's failure and says how it went.
fn finish<W: Write>(result: Result<(), CommandError>, o: &mut Out<'_, W>) -> Outcome {
    o.fresh_line();
    match result {
        Ok(()) => Outcome::Success,
        Err(CommandError::Failed(message)) => {
            let _ = writeln!(o, "% {message}");
            Outcome::Failed
        }
        Err(_) => Outcome::Failed,
    }
}
