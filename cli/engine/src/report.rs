//! How matching errors are shown: a caret under the offending word, IOS-style messages.

use core::fmt::Write as _;

use embedded_io::Write;

use crate::matcher::ParseError;
use crate::output::{Out, write_safe};

/// Prints a matching error for `line`. `indent` is the prompt's width when the line is on
/// screen above; without it (scripting) the line is printed first so the caret has
/// something to point at (non-ASCII bytes shown as `?`, one column each, so the caret
/// stays under the word).
pub(crate) fn report<W: Write>(error: &ParseError, line: &str, indent: Option<usize>, o: &mut Out<'_, W>) {
    o.fresh_line();
    match error {
        ParseError::Empty => {}
        ParseError::Invalid { offset } => {
            let indent = match indent {
                Some(indent) => indent,
                None => {
                    write_safe(o, line, usize::MAX);
                    o.newline();
                    0
                }
            };
            o.repeat(b' ', indent + offset);
            o.str("^\r\n% Invalid input detected at '^' marker.\r\n");
        }
        ParseError::Ambiguous { word, candidates } => {
            let _ = write!(o, "% Ambiguous command: \"{word}\" could be:");
            for c in candidates {
                let _ = write!(o, " {c}");
            }
            o.newline();
        }
        ParseError::Incomplete => o.str("% Incomplete command.\r\n"),
        ParseError::Denied { word } => {
            let _ = writeln!(o, "% Permission denied: \"{word}\" needs administrator privilege.");
        }
    }
}
