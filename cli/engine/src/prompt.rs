//! Modes and the prompt that shows them (`host>`, `host#`, `host(config)#`, `host(config-if)#`).

use embedded_io::Write;

use crate::output::{Out, write_safe};

/// Longest hostname shown in a prompt; longer names are cut.
pub const HOSTNAME_MAX: usize = 63;

/// Identifies a sub-mode of CONFIG mode declared by the command set (e.g. `config-if`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SubModeId(pub u8);

/// Where a session is: EXEC, privileged EXEC, CONFIG, or a sub-mode of CONFIG.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mode {
    /// User EXEC (`host>`): show commands only.
    Exec,
    /// Privileged EXEC (`host#`), entered with `enable`.
    Privileged,
    /// Global configuration (`host(config)#`), entered with `configure terminal`.
    Config,
    /// A configuration sub-mode (`host(config-if)#`), entered by a command of its parent.
    Sub(SubModeId),
}

impl Mode {
    /// Whether this is CONFIG mode or one of its sub-modes.
    pub fn is_config(self) -> bool {
        matches!(self, Mode::Config | Mode::Sub(_))
    }
}

/// What a prompt shows; written without allocating.
pub(crate) struct Prompt<'a> {
    pub(crate) host: &'a str,
    /// `config` or the sub-mode's label; `None` in the EXEC modes.
    pub(crate) label: Option<&'a str>,
    pub(crate) privileged: bool,
}

impl Prompt<'_> {
    /// The prompt's width in columns.
    pub(crate) fn width(&self) -> usize {
        let host = self.host.len().min(HOSTNAME_MAX);
        let label = self.label.map_or(0, |l| l.len().min(HOSTNAME_MAX) + 2);
        host + label + 1
    }

    /// Writes the prompt; returns its width in columns.
    pub(crate) fn write<W: Write>(&self, out: &mut Out<'_, W>) -> usize {
        let mut width = write_safe(out, self.host, HOSTNAME_MAX);
        if let Some(label) = self.label {
            out.bytes(b"(");
            width += write_safe(out, label, HOSTNAME_MAX) + 2;
            out.bytes(b")");
        }
        out.bytes(if self.privileged { b"#" } else { b">" });
        width + 1
    }
}
