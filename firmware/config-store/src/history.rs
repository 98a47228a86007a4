//! The sled side of the store: every kept revision and the pending confirmation, written
//! in one atomic batch per commit and flushed before the commit returns.

use crate::error::{Damage, StoreError};
use crate::revision::RevisionInfo;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// First byte of a revision key; the revision number follows, big-endian.
const REVISION_TAG: u8 = b'r';
/// The key of the pending confirmation; absent when none is pending.
const PENDING_KEY: &[u8] = b"pending";
/// First byte of every stored value: the layout of what follows.
const FORMAT: u8 = 1;
/// The storage engine's page cache: the history is small.
const CACHE_BYTES: u64 = 1024 * 1024;

/// One revision as stored: its record and its configuration text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredRevision {
    pub(crate) info: RevisionInfo,
    pub(crate) toml: String,
}

/// A pending confirmation as stored, with the configuration it restores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredPending {
    pub(crate) revision: u64,
    pub(crate) deadline: u64,
    pub(crate) restores: u64,
    pub(crate) restore_toml: String,
}

/// Everything a history holds, as read at open.
#[derive(Debug, Default)]
pub(crate) struct Contents {
    /// Every kept revision, oldest first.
    pub(crate) revisions: Vec<StoredRevision>,
    pub(crate) pending: Option<StoredPending>,
}

/// Why reading a history failed.
pub(crate) enum ReadFailure {
    Engine(sled::Error),
    Damaged(Damage),
}

/// An open history.
pub(crate) struct History {
    db: sled::Db,
    path: PathBuf,
}

fn revision_key(number: u64) -> [u8; 9] {
    let mut key = [REVISION_TAG; 9];
    key[1..].copy_from_slice(&number.to_be_bytes());
    key
}

fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, postcard::Error> {
    let mut bytes = vec![FORMAT];
    bytes.extend(postcard::to_allocvec(value)?);
    Ok(bytes)
}

fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8]) -> Result<T, String> {
    match bytes.split_first() {
        Some((&FORMAT, rest)) => postcard::from_bytes(rest).map_err(|e| e.to_string()),
        Some((other, _)) => Err(format!("unknown format {other}")),
        None => Err("empty value".to_owned()),
    }
}

fn printable(key: &[u8]) -> String {
    key.iter().map(|b| format!("{b:02x}")).collect()
}

impl History {
    /// Opens (or creates) the history in `path`, waiting up to
    /// [`postern_sled_guard::LOCK_WAIT`] for a lock that another handle still holds.
    pub(crate) fn open(path: &Path) -> Result<Self, sled::Error> {
        let config = sled::Config::new().path(path).cache_capacity(CACHE_BYTES).flush_every_ms(None);
        let db = postern_sled_guard::open(&config, postern_sled_guard::LOCK_WAIT)?;
        Ok(Self { db, path: path.to_path_buf() })
    }

    /// Reads every entry; a value that does not decode, or revision numbers that are not
    /// consecutive, are damage.
    pub(crate) fn read_all(&self) -> Result<Contents, ReadFailure> {
        let mut contents = Contents::default();
        for item in self.db.iter() {
            let (key, value) = item.map_err(ReadFailure::Engine)?;
            let bad = |reason: String| ReadFailure::Damaged(Damage::BadEntry { key: printable(&key), reason });
            if &key[..] == PENDING_KEY {
                contents.pending = Some(decode(&value).map_err(bad)?);
                continue;
            }
            let number = match key.split_first() {
                Some((&REVISION_TAG, rest)) => rest.try_into().ok().map(u64::from_be_bytes),
                _ => None,
            }
            .ok_or_else(|| bad("not a key of the history".to_owned()))?;
            let revision: StoredRevision = decode(&value).map_err(bad)?;
            if revision.info.number != number {
                return Err(bad(format!("holds revision {}", revision.info.number)));
            }
            if let Some(previous) = contents.revisions.last() {
                if previous.info.number + 1 != number {
                    return Err(ReadFailure::Damaged(Damage::Inconsistent {
                        reason: format!("revision {number} follows revision {}", previous.info.number),
                    }));
                }
            }
            contents.revisions.push(revision);
        }
        Ok(contents)
    }

    /// The stored revision `number`.
    pub(crate) fn revision(&self, number: u64) -> Result<StoredRevision, StoreError> {
        let value = self.db.get(revision_key(number)).map_err(|source| self.storage("read a revision", source))?;
        let damaged = |reason: String| StoreError::RevisionDamaged { revision: number, reason };
        decode(&value.ok_or_else(|| damaged("it is missing".to_owned()))?).map_err(damaged)
    }

    /// Stores `revision`, drops the revisions numbered `drop`, sets or clears the pending
    /// confirmation, all in one atomic batch, and flushes it to disk.
    pub(crate) fn write(
        &self,
        revision: &StoredRevision,
        drop: impl Iterator<Item = u64>,
        pending: Option<&StoredPending>,
    ) -> Result<(), StoreError> {
        let encoding = |e: postcard::Error| StoreError::RevisionDamaged {
            revision: revision.info.number,
            reason: format!("cannot be encoded: {e}"),
        };
        let mut batch = sled::Batch::default();
        batch.insert(&revision_key(revision.info.number), encode(revision).map_err(encoding)?);
        for number in drop {
            batch.remove(&revision_key(number));
        }
        match pending {
            Some(pending) => batch.insert(PENDING_KEY, encode(pending).map_err(encoding)?),
            None => batch.remove(PENDING_KEY),
        }
        self.db.apply_batch(batch).map_err(|source| self.storage("record a commit", source))?;
        self.db.flush().map_err(|source| self.storage("flush a commit to disk", source))?;
        Ok(())
    }

    fn storage(&self, op: &'static str, source: sled::Error) -> StoreError {
        StoreError::Storage { op, path: self.path.clone(), source }
    }
}
