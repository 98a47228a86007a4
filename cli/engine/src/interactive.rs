//! Keys that act on the whole session: Enter, `?`, Tab, Ctrl-C, Ctrl-Z, Ctrl-D.

use alloc::string::String;
use core::fmt::Write as _;

use embedded_io::Write;

use crate::backend::Backend;
use crate::editor::Edit;
use crate::help::{Completion, Help, complete, help};
use crate::keys::Key;
use crate::matcher::{Position, parse};
use crate::output::{BELL, Out};
use crate::pipe;
use crate::prompt::Mode;
use crate::report::report;
use crate::session::{Session, prompt_for};

impl Session {
    /// Handles one key of interactive input.
    pub(crate) fn key<B: Backend + ?Sized, W: Write>(&mut self, key: Key, backend: &mut B, o: &mut Out<'_, W>) {
        let edit = {
            let prompt = prompt_for(&self.grammar, self.mode(), backend.hostname());
            self.editor.key(key, &prompt, o)
        };
        match edit {
            Edit::Done => {}
            Edit::Submit if self.paste.is_some() => {
                // Pasted lines (a private key, say) never go into the history.
                o.newline();
                let line = String::from(self.editor.line());
                self.editor.clear();
                self.paste_line(&line, backend, o);
                self.new_prompt(backend, o);
            }
            Edit::Help | Edit::Complete if self.paste.is_some() => {
                let prompt = prompt_for(&self.grammar, self.mode(), backend.hostname());
                let literal = if edit == Edit::Help { "?" } else { " " };
                self.editor.insert_str(literal, &prompt, o);
            }
            Edit::Interrupt | Edit::Suspend | Edit::Exit if self.paste.is_some() => {
                self.editor.clear();
                self.abandon_paste(o);
                self.new_prompt(backend, o);
            }
            Edit::Submit => {
                o.newline();
                let line = String::from(self.editor.line());
                self.editor.submit();
                let indent = self.prompt(backend.hostname()).width();
                self.execute(&line, backend, o, Some(indent));
                self.new_prompt(backend, o);
            }
            Edit::Help => self.help(backend, o),
            Edit::Complete => self.complete(backend, o),
            Edit::Interrupt => {
                o.str("^C");
                self.editor.clear();
                self.new_prompt(backend, o);
            }
            Edit::Suspend => {
                o.str("^Z");
                self.editor.clear();
                if self.mode().is_config() {
                    o.newline();
                    self.change_mode(Mode::Privileged, backend, o);
                }
                self.new_prompt(backend, o);
            }
            Edit::Exit => {
                o.str("exit");
                o.newline();
                self.execute("exit", backend, o, None);
                self.new_prompt(backend, o);
            }
        }
    }

    fn new_prompt<B: Backend + ?Sized, W: Write>(&self, backend: &mut B, o: &mut Out<'_, W>) {
        if self.ended {
            return;
        }
        backend.before_prompt();
        o.fresh_line();
        if self.paste.is_none() {
            self.prompt(backend.hostname()).write(o);
        }
    }

    fn redraw<B: Backend + ?Sized, W: Write>(&self, backend: &B, o: &mut Out<'_, W>) {
        o.fresh_line();
        self.editor.redraw(&self.prompt(backend.hostname()), o);
    }

    fn help<B: Backend + ?Sized, W: Write>(&mut self, backend: &B, o: &mut Out<'_, W>) {
        o.str("?");
        o.newline();
        let full = self.editor.before_cursor();
        let (position, before, skipped) = self.scope(full);
        let asked = match self.filter_word(position, before) {
            Some(word) => pipe::help(word),
            None => help(position, before),
        };
        match asked {
            Help::Error { error } => {
                let indent = self.prompt(backend.hostname()).width() + skipped;
                report(&error, before, Some(indent), o);
            }
            Help::Next { entries, cr } => {
                let width = entries.iter().map(|(n, _)| n.len()).max().unwrap_or(0).max(4);
                for (name, text) in &entries {
                    let _ = writeln!(o, "  {name:<width$}  {text}");
                }
                if cr {
                    o.str("  <cr>");
                    o.newline();
                }
                o.newline();
            }
            Help::Prefix { names } if names.is_empty() => o.str("% Unrecognized command\r\n"),
            Help::Prefix { names } => list(&names, o),
        }
        self.redraw(backend, o);
    }

    fn complete<B: Backend + ?Sized, W: Write>(&mut self, backend: &B, o: &mut Out<'_, W>) {
        let (position, before, _) = self.scope(self.editor.before_cursor());
        let completion = match self.filter_word(position, before) {
            Some(word) => pipe::complete(word),
            None => complete(position, before, &|keywords, arg, typed| backend.known_values(keywords, arg, typed)),
        };
        match completion {
            Completion::Insert(text) => {
                let prompt = prompt_for(&self.grammar, self.mode(), backend.hostname());
                self.editor.insert_str(&text, &prompt, o);
            }
            Completion::List(names) => {
                o.newline();
                list(&names, o);
                self.redraw(backend, o);
            }
            Completion::Nothing => o.bytes(BELL),
        }
    }
}

impl Session {
    /// Where `?` and Tab match: after `do ` in a CONFIG mode, the privileged EXEC commands
    /// (with how many bytes `do ` took); elsewhere the current mode's.
    fn scope<'l>(&self, before: &'l str) -> (Position<'_>, &'l str, usize) {
        match before.strip_prefix("do ") {
            Some(rest) if self.mode().is_config() => (self.position(Mode::Privileged), rest, before.len() - rest.len()),
            _ => (self.position(self.mode()), before, 0),
        }
    }

    /// The filter word being typed after the last ` | ` of a `show` command, if the
    /// cursor is there.
    fn filter_word<'l>(&self, position: Position<'_>, before: &'l str) -> Option<&'l str> {
        let at = before.rfind(" | ")?;
        let word = &before[at + 3..];
        let (command, _) = pipe::split(&before[..at]);
        let is_show = parse(position, command).is_ok_and(|p| p.keywords.first() == Some(&"show"));
        (is_show && !word.contains(' ')).then_some(word)
    }
}

/// Writes words on one line, two spaces apart.
fn list<W: Write>(names: &[String], o: &mut Out<'_, W>) {
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            o.str("  ");
        }
        o.text(name);
    }
    o.newline();
}
