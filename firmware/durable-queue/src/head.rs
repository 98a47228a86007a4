//! The `head` file: the first sequence number not yet acknowledged, and how many records
//! were dropped at the bound. Replaced atomically; a damaged one is moved aside and the
//! queue starts again from its oldest kept record (a receiver that deduplicates, as the
//! queue's users must, then sees some records twice rather than missing any).

use crate::error::QueueError;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// What the `head` file holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Head {
    /// Records below this sequence number are acknowledged or dropped.
    pub(crate) first: u64,
    /// Records dropped at the bound, ever.
    pub(crate) dropped: u64,
}

pub(crate) const FILE: &str = "head";

/// Reads the head in `dir`; none yet is the empty head.
pub(crate) fn read(dir: &Path) -> Head {
    let path = dir.join(FILE);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Head::default(),
        Err(error) => {
            tracing::error!(path = %path.display(), %error, "queue head unreadable: every kept record is pending");
            return Head::default();
        }
    };
    match serde_json::from_slice(&bytes) {
        Ok(head) => head,
        Err(error) => {
            match postern_durable_fs::move_aside(&path) {
                Ok(to) => {
                    tracing::error!(path = %path.display(), moved_to = %to.display(), %error, "queue head damaged: moved aside; every kept record is pending")
                }
                Err(moved) => {
                    tracing::error!(path = %path.display(), %error, %moved, "queue head damaged and not moved aside; every kept record is pending")
                }
            }
            Head::default()
        }
    }
}

/// Replaces the head in `dir`.
pub(crate) fn write(dir: &Path, head: Head) -> Result<(), QueueError> {
    let bytes = serde_json::to_vec(&head).map_err(QueueError::Encode)?;
    postern_durable_fs::write_atomically(&dir.join(FILE), &bytes, 0o600)?;
    Ok(())
}
