//! Reading the cache's memory without waiting for its writes.

use crate::cache::DeviceIndex;
use crate::key::StoredKey;
use crate::record::CachedState;
use postern_decision::AccessKey;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// The index behind its own lock, shared by the cache and its readers.
pub(crate) type SharedIndex = Arc<Mutex<DeviceIndex>>;

/// Takes the index's lock; a poisoned lock is taken over (the index is changed only after
/// the store, by code that does not panic midway).
pub(crate) fn lock(index: &SharedIndex) -> MutexGuard<'_, DeviceIndex> {
    index.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Looks devices up in the cache's memory without waiting for its writes: a write holds
/// the index only to plan its evictions and to apply itself, never while it is flushed.
#[derive(Clone)]
pub struct CacheReader {
    pub(crate) index: SharedIndex,
}

impl CacheReader {
    /// The cached decision state for `key`; recency is unchanged.
    pub fn lookup(&self, key: &AccessKey) -> Option<CachedState> {
        let bytes = key.encode().ok()?;
        lock(&self.index).get(bytes.as_slice()).copied()
    }

    /// Marks `key` as the most recently used; returns whether it is cached.
    pub fn touch(&self, key: &AccessKey) -> bool {
        match key.encode() {
            Ok(bytes) => lock(&self.index).touch(bytes.as_slice()),
            Err(_) => false,
        }
    }
}
