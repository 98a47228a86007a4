//! Pasted text: after a command declared with [`Node::pastes`](crate::Node::pastes), the
//! session collects lines until one reads `quit`, then runs the command with them. Text
//! longer than [`PASTE_MAX`] is dropped whole and the command does not run.

use alloc::string::String;
use core::fmt::Write as _;

use embedded_io::Write;

use crate::backend::Backend;
use crate::matcher::Parsed;
use crate::output::Out;
use crate::session::{Outcome, Session};

/// The most text one paste may hold, in bytes (line ends included).
pub const PASTE_MAX: usize = 64 * 1024;

/// A command waiting for its pasted text.
#[derive(Debug)]
pub(crate) struct Paste {
    parsed: Parsed,
    text: String,
    /// Set once the text grew past [`PASTE_MAX`]; the rest is read and dropped.
    too_long: bool,
}

impl Session {
    /// Starts collecting the text for `parsed`.
    pub(crate) fn start_paste<W: Write>(&mut self, parsed: Parsed, o: &mut Out<'_, W>) -> Outcome {
        let _ =
            writeln!(o, "Paste the text now; end it with a line containing only `quit` (at most {PASTE_MAX} bytes).");
        self.paste = Some(Paste { parsed, text: String::new(), too_long: false });
        Outcome::Success
    }

    /// Takes one pasted line, or on `quit` runs the command with the text.
    pub(crate) fn paste_line<B: Backend + ?Sized, W: Write>(
        &mut self,
        line: &str,
        backend: &mut B,
        o: &mut Out<'_, W>,
    ) -> Outcome {
        let Some(paste) = self.paste.as_mut() else {
            return Outcome::Failed;
        };
        if line.trim() != "quit" {
            if paste.text.len() + line.len() + 1 > PASTE_MAX {
                paste.too_long = true;
                paste.text = String::new();
            }
            if !paste.too_long {
                paste.text.push_str(line);
                paste.text.push('\n');
            }
            return Outcome::Success;
        }
        let Some(paste) = self.paste.take() else {
            return Outcome::Failed;
        };
        if paste.too_long {
            let _ = writeln!(o, "% The pasted text is longer than {PASTE_MAX} bytes; nothing was changed.");
            return Outcome::Failed;
        }
        self.dispatch_with(paste.parsed, Some(&paste.text), None, backend, o)
    }

    /// Drops a paste under way (Ctrl-C, Ctrl-Z, Ctrl-D), saying so.
    pub(crate) fn abandon_paste<W: Write>(&mut self, o: &mut Out<'_, W>) -> bool {
        if self.paste.take().is_none() {
            return false;
        }
        o.fresh_line();
        let _ = writeln!(o, "% Paste abandoned; nothing was changed.");
        true
    }
}
