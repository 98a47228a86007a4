//! Why a slot operation failed.

use std::path::PathBuf;

/// A failed operation on the EFI system partition.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SlotError {
    /// A file or directory could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// A slot has no boot entry.
    #[error("slot {slot} has no boot entry")]
    NoEntry {
        /// The slot.
        slot: crate::Slot,
    },
    /// A durable write failed.
    #[error(transparent)]
    Write(#[from] postern_durable_fs::FsError),
}
