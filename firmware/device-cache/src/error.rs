//! Typed errors of the device cache.

use postern_decision::IdError;
use std::path::PathBuf;

/// Why a cache key was refused or could not be read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A field was longer than allowed.
    #[error("{kind} is {len} bytes long; at most {max} are allowed")]
    TooLong {
        /// Which field.
        kind: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Stored key bytes were not a key this version knows.
    #[error("stored key of {len} bytes is malformed or of an unknown kind")]
    Malformed {
        /// Length of the stored key.
        len: usize,
    },
    /// An identifier inside the key was refused.
    #[error("key holds an invalid identifier: {0}")]
    Id(#[from] IdError),
    /// The key could not be serialised.
    #[error("key could not be encoded: {reason}")]
    Encoding {
        /// The serialiser's message.
        reason: String,
    },
}

/// Why a stored record could not be written or read back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The stored value was empty (not even a version byte).
    #[error("stored record is empty")]
    Empty,
    /// The version byte names a format this build does not know.
    #[error("stored record has unknown format version {version}")]
    UnknownVersion {
        /// The version byte found.
        version: u8,
    },
    /// The body did not decode under its version's format.
    #[error("stored record (format version {version}) is malformed: {reason}")]
    Malformed {
        /// The format version.
        version: u8,
        /// What went wrong.
        reason: String,
    },
    /// A coded field held a value the format does not define.
    #[error("stored record has unknown {field} code {code}")]
    BadCode {
        /// Which field.
        field: &'static str,
        /// The code found.
        code: u8,
    },
    /// An identifier inside the record was refused.
    #[error("stored record holds an invalid identifier: {0}")]
    Id(#[from] IdError),
    /// A value has no representation in the current record format.
    #[error("{field} value {value} has no code in the record format")]
    Unrepresentable {
        /// Which field.
        field: &'static str,
        /// The value, as debug text.
        value: String,
    },
    /// The record could not be serialised.
    #[error("record could not be encoded: {reason}")]
    Encoding {
        /// The serialiser's message.
        reason: String,
    },
}

/// Why a cache operation failed. A failed write changed nothing the cache acknowledges.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// The storage engine failed.
    #[error("device cache at {path} failed to {op}: {source}")]
    Storage {
        /// The cache directory.
        path: PathBuf,
        /// What the cache was doing.
        op: &'static str,
        /// The storage engine's error.
        #[source]
        source: sled::Error,
    },
    /// Another process (or another handle in this one) holds the cache open, and still
    /// did after waiting for it.
    #[error("device cache at {} is in use by another process (still locked after {waited:?}): {source}", path.display())]
    Locked {
        /// The cache directory.
        path: PathBuf,
        /// How long opening waited for the lock.
        waited: std::time::Duration,
        /// The storage engine's error.
        #[source]
        source: sled::Error,
    },
    /// A key was refused.
    #[error("device cache key refused: {0}")]
    Key(#[from] KeyError),
    /// A record could not be encoded or decoded.
    #[error("device cache record for {key} unusable: {source}")]
    Record {
        /// The key, as text (or as hex when it did not decode).
        key: String,
        /// What was wrong with the record.
        #[source]
        source: RecordError,
    },
    /// A batch named more distinct keys than the cache can hold.
    #[error("batch names {distinct} distinct keys but the cache holds at most {capacity}")]
    BatchTooLarge {
        /// Distinct keys in the batch.
        distinct: usize,
        /// The cache's capacity.
        capacity: u32,
    },
    /// A damaged cache could not be moved aside, so no empty cache could be made in its place.
    #[error("damaged device cache at {path} could not be moved to {to}: {source}")]
    MoveAside {
        /// The damaged cache directory.
        path: PathBuf,
        /// Where it was to be moved.
        to: PathBuf,
        /// The file system's error.
        #[source]
        source: std::io::Error,
    },
    /// The storage engine panicked on a cache that had just been made empty.
    #[error("device cache at {path} could not be created: {message}")]
    Create {
        /// The cache directory.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}
