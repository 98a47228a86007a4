//! Why a board file was refused.

use std::path::PathBuf;

/// A board file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BoardError {
    /// The file could not be read.
    #[error("cannot read board file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a valid board definition.
    #[error("board file {path} is not valid: {reason}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        reason: String,
    },
    /// A setting has a value that cannot work.
    #[error("board {board}: {setting}: {reason}")]
    Invalid {
        /// The board's name.
        board: String,
        /// The dotted name of the setting.
        setting: &'static str,
        /// Why.
        reason: String,
    },
}
