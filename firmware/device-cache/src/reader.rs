//! Reading the cache's memory without waiting for its writes.

use crate::cache::DeviceIndex;
use crate::key::StoredKey;
use crate::record::CachedState;
use postern_decision::AccessKey;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

/// The index behind its own lock, shared by the cache and its readers.
pub(crate) type SharedIndex = Arc<Mutex<DeviceIndex>>;

/// Takes the index's lock; a poisoned lock is taken over (the index is changed only after
/// the store, by code that does not panic midway).
pub(crate) fn lock(index: &SharedIndex) -> MutexGuard<'_, DeviceIndex> {
    index.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How long a reader spins for the index before it sleeps on the lock: a write holds the
/// index for a few microseconds at a time, and waking from a sleep costs more than that.
const SPIN: Duration = Duration::from_micros(50);

/// Takes the index's lock for a request: spinning briefly first, so that a request meeting
/// a write's short hold does not pay a sleep and a wake-up.
fn lock_soon(index: &SharedIndex) -> MutexGuard<'_, DeviceIndex> {
    let started = Instant::now();
    loop {
        match index.try_lock() {
            Ok(guard) => return guard,
            Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
            Err(TryLockError::WouldBlock) if started.elapsed() < SPIN => std::hint::spin_loop(),
            Err(TryLockError::WouldBlock) => return lock(index),
        }
    }
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
        lock_soon(&self.index).get(bytes.as_slice()).copied()
    }

    /// The cached decision state for `key`, marking it the most recently used when
    /// `touch_if` says so; one hold of the index for both.
    pub fn lookup_touching(&self, key: &AccessKey, touch_if: impl FnOnce(&CachedState) -> bool) -> Option<CachedState> {
        let bytes = key.encode().ok()?;
        let mut index = lock_soon(&self.index);
        let state = *index.get(bytes.as_slice())?;
        if touch_if(&state) {
            index.touch(bytes.as_slice());
        }
        Some(state)
    }

    /// Marks `key` as the most recently used; returns whether it is cached.
    pub fn touch(&self, key: &AccessKey) -> bool {
        match key.encode() {
            Ok(bytes) => lock_soon(&self.index).touch(bytes.as_slice()),
            Err(_) => false,
        }
    }
}
