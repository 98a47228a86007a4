//! Raw mode on a terminal through termios, restored when the guard is dropped.

use std::fs::File;
use std::path::{Path, PathBuf};

use nix::sys::termios::{SetArg, Termios, cfmakeraw, tcgetattr, tcsetattr};

use crate::error::TransportError;

/// Holds a terminal in raw mode; puts the saved settings back on drop.
pub(crate) struct RawMode {
    tty: File,
    path: PathBuf,
    saved: Termios,
}

impl RawMode {
    /// Saves `tty`'s settings and switches it to raw mode (no echo, no line editing, no signals,
    /// no output processing, 8-bit bytes).
    pub(crate) fn enter(tty: File, path: &Path) -> Result<Self, TransportError> {
        let error = |what| move |source| TransportError::Terminal { what, path: path.to_path_buf(), source };
        let saved = tcgetattr(&tty).map_err(error("reading settings"))?;
        let mut raw = saved.clone();
        cfmakeraw(&mut raw);
        tcsetattr(&tty, SetArg::TCSAFLUSH, &raw).map_err(error("entering raw mode"))?;
        Ok(RawMode { tty, path: path.to_path_buf(), saved })
    }

    /// The terminal.
    pub(crate) fn tty(&self) -> &File {
        &self.tty
    }

    /// The terminal's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if let Err(error) = tcsetattr(&self.tty, SetArg::TCSADRAIN, &self.saved) {
            tracing::warn!(path = %self.path.display(), %error, "could not restore terminal settings");
        }
    }
}
