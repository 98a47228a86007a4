//! What the history records about each revision, and a pending `commit confirmed`.

use crate::error::CommitError;
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

/// Longest committer name, in bytes.
pub const WHO_MAX: usize = 64;
/// Longest commit comment, in bytes.
pub const COMMENT_MAX: usize = 256;
/// The minutes `commit confirmed` accepts.
pub const CONFIRM_MINUTES: RangeInclusive<u32> = 1..=60;

/// One committed revision, without its configuration text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevisionInfo {
    /// The revision number; each commit takes the next one.
    pub number: u64,
    /// When it was committed, in Unix seconds (the clock the caller passed).
    pub committed_at: u64,
    /// Who committed it: a user name, `console`, or `system` for the store's own revisions.
    pub who: String,
    /// The committer's comment, if any.
    pub comment: Option<String>,
    /// How it came to be.
    pub kind: RevisionKind,
    /// The `commit confirmed` revision this commit made permanent, if it confirmed one.
    pub confirms: Option<u64>,
}

/// How a revision came to be. Stored: variants are only ever appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RevisionKind {
    /// The first revision of a new history: the initial configuration, or the running
    /// configuration found in the mirror file.
    Initial,
    /// A plain `commit`.
    Commit,
    /// A `commit confirmed`: reverted automatically at `deadline` unless confirmed.
    CommitConfirmed {
        /// When it reverts, in Unix seconds.
        deadline: u64,
    },
    /// The automatic revert of an unconfirmed `commit confirmed`.
    AutomaticRollback {
        /// The `commit confirmed` revision that was not confirmed in time.
        reverted: u64,
    },
    /// The first revision of a history started again from the mirror file after the old
    /// history was found damaged and moved aside.
    Recovered,
}

/// A `commit confirmed` awaiting confirmation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingConfirmation {
    /// The latest `commit confirmed` revision.
    pub revision: u64,
    /// When it reverts, in Unix seconds.
    pub deadline: u64,
    /// The revision whose configuration is restored if it is not confirmed: the one that
    /// ran before the first unconfirmed `commit confirmed`.
    pub restores: u64,
}

/// `value` is 1 to `max` bytes without control characters, for the commit record.
pub(crate) fn check_text(field: &'static str, value: &str, max: usize) -> Result<(), CommitError> {
    let reason = if value.is_empty() {
        "is empty".to_owned()
    } else if value.len() > max {
        format!("is {} bytes long; at most {max} are allowed", value.len())
    } else if value.chars().any(char::is_control) {
        "holds control characters".to_owned()
    } else {
        return Ok(());
    };
    Err(CommitError::BadText { field, reason })
}

/// A pending confirmation held in memory: what the caller sees, and what is restored.
#[derive(Debug, Clone)]
pub(crate) struct Pending {
    pub(crate) public: PendingConfirmation,
    pub(crate) restore: postern_config::Config,
    pub(crate) restore_toml: String,
}

impl Pending {
    /// The stored form.
    pub(crate) fn stored(&self) -> crate::history::StoredPending {
        crate::history::StoredPending {
            revision: self.public.revision,
            deadline: self.public.deadline,
            restores: self.public.restores,
            restore_toml: self.restore_toml.clone(),
        }
    }
}
