//! What can go wrong opening the store, committing, rolling back and reading revisions.

use postern_config::{ConfigError, ValidationErrors};
use std::fmt;
use std::ops::RangeInclusive;
use std::path::PathBuf;

/// Why the store could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process holds the store open, and still did after waiting for it.
    #[error("configuration store {} is in use by another process (still locked after {waited:?}): {source}", path.display())]
    Locked {
        /// The history directory.
        path: PathBuf,
        /// How long opening waited for the lock.
        waited: std::time::Duration,
        /// The storage engine's error.
        #[source]
        source: sled::Error,
    },
    /// The storage engine failed while reading or writing.
    #[error("configuration history {} failed to {op}: {source}", path.display())]
    Storage {
        /// What was being done, e.g. `flush a commit`.
        op: &'static str,
        /// The history directory.
        path: PathBuf,
        /// The storage engine's error.
        #[source]
        source: sled::Error,
    },
    /// A file operation failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. `create the store directory`.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The running configuration could not be written to its mirror file.
    #[error("cannot write the running configuration to {}: {source}", path.display())]
    Mirror {
        /// The mirror file.
        path: PathBuf,
        /// Why.
        #[source]
        source: ConfigError,
    },
    /// A configuration could not be written as TOML.
    #[error("cannot write the configuration as TOML: {0}")]
    Serialize(#[source] ConfigError),
    /// `rollback N` asked for a revision older than the history keeps.
    #[error("rollback {requested}: the history keeps rollback {} to {}", .available.start(), .available.end())]
    RollbackOutOfRange {
        /// The `N` asked for.
        requested: usize,
        /// The `N`s that exist (0 is the running configuration).
        available: RangeInclusive<usize>,
    },
    /// A kept revision does not load with this build (e.g. it was written by a newer one).
    #[error("revision {revision} cannot be loaded: {source}")]
    RevisionUnreadable {
        /// The revision number.
        revision: u64,
        /// Why.
        #[source]
        source: ConfigError,
    },
    /// A kept revision is missing from the history or does not decode.
    #[error("revision {revision} is damaged in the history: {reason}")]
    RevisionDamaged {
        /// The revision number.
        revision: u64,
        /// What is wrong.
        reason: String,
    },
    /// The history was damaged and could not be recreated.
    #[error("configuration history {} could not be recreated after damage ({damage}): {message}", path.display())]
    Create {
        /// The history directory.
        path: PathBuf,
        /// The damage that was found first.
        damage: Damage,
        /// Why the new history could not be created.
        message: String,
    },
}

/// Why a commit was refused. Nothing was changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CommitError {
    /// The candidate has invalid settings; every one is listed by its dotted path.
    #[error("commit refused; {count} invalid setting(s):\n{list}", count = .0.len(), list = .0)]
    Invalid(#[source] ValidationErrors),
    /// Someone else committed since this candidate was taken from the running configuration.
    #[error(
        "configuration changed by {who} at revision {revision} since your edit began (at \
         revision {base}); nothing was committed"
    )]
    Conflict {
        /// Who committed the latest revision.
        who: String,
        /// The latest revision.
        revision: u64,
        /// The revision the candidate was taken from.
        base: u64,
    },
    /// The candidate equals the running configuration and no commit awaits confirmation.
    #[error("no changes to commit")]
    NoChanges,
    /// `commit confirmed` was given a number of minutes out of range.
    #[error("commit confirmed {minutes}: minutes must be {} to {}", .allowed.start(), .allowed.end())]
    ConfirmMinutes {
        /// The minutes given.
        minutes: u32,
        /// The minutes allowed.
        allowed: RangeInclusive<u32>,
    },
    /// The committer's name or the comment is empty, too long or holds control characters.
    #[error("commit {field} {reason}")]
    BadText {
        /// `who` or `comment`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The store could not record the commit.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What was wrong with a history that had to be moved aside.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Damage {
    /// The storage engine returned an error while opening or reading.
    Storage {
        /// The engine's message.
        message: String,
    },
    /// The storage engine panicked while opening or reading.
    Panicked {
        /// The panic message.
        message: String,
    },
    /// A stored entry does not decode.
    BadEntry {
        /// The entry's key, printable.
        key: String,
        /// Why it does not decode.
        reason: String,
    },
    /// The newest revision does not load as a configuration.
    BadRunning {
        /// The revision number.
        revision: u64,
        /// Why it does not load.
        reason: String,
    },
    /// The revision numbers or the pending confirmation disagree with each other.
    Inconsistent {
        /// What disagrees.
        reason: String,
    },
    /// The history opened without commits that had been acknowledged.
    LostCommits {
        /// The newest revision the history holds (0: none).
        newest: u64,
        /// The newest revision that was acknowledged.
        acknowledged: u64,
    },
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Storage { message } => write!(f, "storage error: {message}"),
            Damage::Panicked { message } => write!(f, "storage engine panicked: {message}"),
            Damage::BadEntry { key, reason } => write!(f, "entry {key} does not decode: {reason}"),
            Damage::BadRunning { revision, reason } => {
                write!(f, "newest revision {revision} does not load: {reason}")
            }
            Damage::Inconsistent { reason } => write!(f, "history inconsistent: {reason}"),
            Damage::LostCommits { newest, acknowledged } => {
                write!(f, "history holds revisions up to {newest} but revision {acknowledged} was committed")
            }
        }
    }
}
