//! Opening the store and reading every record back; when that fails because the store is
//! damaged, moving the damaged directory aside (never deleting it) and starting empty.

use crate::cache::CacheConfig;
use crate::error::{CacheError, KeyError, RecordError};
use crate::key::StoredKey;
use crate::record::CachedState;
use crate::record_format::decode_record;
use crate::seal::{Seal, SealState, read_seal};
use crate::sled_store::SledStore;
use core::fmt;
use postern_decision::AccessKey;
use postern_sled_guard::{OpenFailure, Recovered, RecoveryError, open_or_move_aside};
use std::path::{Path, PathBuf};

/// What was wrong with a cache that had to be moved aside.
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
    /// A stored key is not a key this version knows.
    BadKey {
        /// The stored key, in hex.
        key_hex: String,
        /// Why it was refused.
        reason: KeyError,
    },
    /// A stored record did not decode.
    BadRecord {
        /// The record's key.
        key: String,
        /// Why it did not decode.
        reason: RecordError,
    },
    /// The store opened, but without writes that had been acknowledged: it is behind its
    /// seal (the storage engine dropped part of a damaged log).
    LostWrites {
        /// The last write the store holds.
        store_seq: u64,
        /// The last write that was acknowledged.
        sealed_seq: u64,
    },
    /// The store holds data but its seal file is gone.
    SealMissing,
    /// The seal file is damaged.
    SealUnreadable {
        /// What is wrong with it.
        reason: String,
    },
    /// The store's bookkeeping is damaged or disagrees with the records it holds.
    Inconsistent {
        /// What disagrees.
        reason: String,
    },
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Storage { message } => write!(f, "storage error: {message}"),
            Damage::Panicked { message } => write!(f, "storage engine panicked: {message}"),
            Damage::BadKey { key_hex, reason } => write!(f, "bad key {key_hex}: {reason}"),
            Damage::BadRecord { key, reason } => write!(f, "bad record for {key}: {reason}"),
            Damage::LostWrites { store_seq, sealed_seq } => {
                write!(f, "store holds writes up to #{store_seq} but #{sealed_seq} was acknowledged")
            }
            Damage::SealMissing => f.write_str("store holds data but its seal file is missing"),
            Damage::SealUnreadable { reason } => write!(f, "seal file unreadable: {reason}"),
            Damage::Inconsistent { reason } => {
                write!(f, "store bookkeeping inconsistent: {reason}")
            }
        }
    }
}

/// A damaged cache was found at open, moved aside and replaced by an empty one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Where the damaged cache directory now is.
    pub moved_to: PathBuf,
    /// What was wrong with it.
    pub damage: Damage,
}

/// One record as read at open: what the index needs, and its last write time for ordering.
pub(crate) struct LoadedEntry {
    pub(crate) updated_ms: u64,
    pub(crate) key: Box<[u8]>,
    pub(crate) state: CachedState,
}

/// An open store and everything it held.
pub(crate) struct Loaded {
    pub(crate) store: SledStore,
    pub(crate) entries: Vec<LoadedEntry>,
}

type Failure = OpenFailure<Damage>;

postern_sled_guard::engine_damage!(Damage);

/// Opens the cache at `path`; a damaged one is moved aside and replaced by an empty one.
pub(crate) fn open_or_recover(config: &CacheConfig) -> Result<(Loaded, Option<Recovery>), CacheError> {
    let path = config.path.as_path();
    match open_or_move_aside(path, || load(config), || fresh(config)) {
        Ok(Recovered::Opened(loaded)) => Ok((loaded, None)),
        Ok(Recovered::MovedAside { fresh, moved_to, damage }) => {
            tracing::error!(
                path = %path.display(),
                moved_to = %moved_to.display(),
                damage = %damage,
                "device cache is damaged: moved aside, starting with an empty cache; devices will be decided as first accesses"
            );
            Ok((Loaded { store: fresh, entries: Vec::new() }, Some(Recovery { moved_to, damage })))
        }
        Err(RecoveryError::Locked(source)) => {
            Err(CacheError::Locked { path: path.to_path_buf(), waited: config.lock_wait, source })
        }
        Err(RecoveryError::MoveAside(e)) => {
            Err(CacheError::MoveAside { path: path.to_path_buf(), to: e.path, source: e.source })
        }
        Err(RecoveryError::Create { failure, .. }) => {
            Err(CacheError::Create { path: path.to_path_buf(), message: failure.to_string() })
        }
    }
}

fn damaged(damage: Damage) -> Failure {
    Failure::Damaged(damage)
}

fn sealed(mut store: SledStore, path: &Path, seq: u64) -> Result<SledStore, Failure> {
    let seal = Seal::create(path, seq).map_err(|e| damaged(Damage::Storage { message: format!("seal: {e}") }))?;
    store.attach_seal(seq, seal);
    Ok(store)
}

fn fresh(config: &CacheConfig) -> Result<SledStore, Failure> {
    let store = open_store(config)?;
    sealed(store, &config.path, 0)
}

fn open_store(config: &CacheConfig) -> Result<SledStore, Failure> {
    SledStore::open(&config.path, config.store_cache_bytes, config.lock_wait).map_err(Failure::from)
}

fn load(config: &CacheConfig) -> Result<Loaded, Failure> {
    let path = config.path.as_path();
    let store = open_store(config)?;
    let meta = store.meta().map_err(Failure::from)?.map_err(|len| {
        damaged(Damage::Inconsistent { reason: format!("bookkeeping entry of {len} bytes is malformed") })
    })?;
    let mut entries = Vec::new();
    for item in store.records() {
        let (key, value) = item.map_err(Failure::from)?;
        let cache_key = AccessKey::decode(&key)
            .map_err(|reason| Failure::Damaged(Damage::BadKey { key_hex: hex(&key), reason }))?;
        let record = decode_record(&value)
            .map_err(|reason| Failure::Damaged(Damage::BadRecord { key: cache_key.to_string(), reason }))?;
        entries.push(LoadedEntry {
            updated_ms: record.updated_ms,
            key: Box::from(&key[..]),
            state: record.cached_state(),
        });
    }
    let store_seq = meta.map_or(0, |m| m.seq);
    match read_seal(path) {
        SealState::Absent if store_seq > 0 || !entries.is_empty() => {
            return Err(damaged(Damage::SealMissing));
        }
        SealState::Absent => {}
        SealState::Unreadable(reason) => return Err(damaged(Damage::SealUnreadable { reason })),
        SealState::Sealed(sealed_seq) if store_seq < sealed_seq => {
            return Err(damaged(Damage::LostWrites { store_seq, sealed_seq }));
        }
        SealState::Sealed(_) => {}
    }
    let recorded = meta.map_or(0, |m| m.count);
    if recorded != entries.len() as u64 {
        let reason = format!("bookkeeping says {recorded} records, the store holds {}", entries.len());
        return Err(damaged(Damage::Inconsistent { reason }));
    }
    Ok(Loaded { store: sealed(store, path, store_seq)?, entries })
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
