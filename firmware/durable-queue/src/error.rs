//! What can go wrong with a queue.

use std::path::PathBuf;

/// A queue operation that failed; nothing queued is lost by it.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// A file operation failed.
    #[error("{op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// To which file.
        path: PathBuf,
        /// Why it failed.
        #[source]
        source: std::io::Error,
    },
    /// An atomic replacement or a move aside failed.
    #[error(transparent)]
    Fs(#[from] postern_durable_fs::FsError),
    /// The item could not be written as JSON.
    #[error("encoding a record: {0}")]
    Encode(#[source] serde_json::Error),
    /// The encoded item is larger than a record may be.
    #[error("a record of {len} bytes is larger than the {max} bytes allowed")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// A record that was readable at open no longer is (the file changed underneath).
    #[error("{path}: record {seq} is no longer readable: {reason}")]
    Unreadable {
        /// The segment file.
        path: PathBuf,
        /// The record's sequence number.
        seq: u64,
        /// Why.
        reason: String,
    },
}

pub(crate) fn io(op: &'static str, path: &std::path::Path) -> impl FnOnce(std::io::Error) -> QueueError {
    let path = path.to_path_buf();
    move |source| QueueError::Io { op, path, source }
}
