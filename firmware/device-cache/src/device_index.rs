//! The cache's in-memory index, split into shards by a hash of the key, each behind a lock
//! of its own. A write holds one shard at a time, so a request for a device in another
//! shard never waits for it, not even while the writing thread is descheduled holding
//! its shard (on a busy machine, that is what made requests wait for milliseconds).
//!
//! Recency stays exact across the shards: every use of an entry takes a stamp from one
//! counter while its shard is held, so each shard keeps its entries in stamp order, and
//! the least recently used entry of the whole index is the shard tail with the smallest
//! stamp. Walks in recency order read one shard at a time and merge by stamp.

use crate::lru_index::{Inserted, LruIndex, MAX_INDEX_CAPACITY};
use crate::record::CachedState;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError, TryLockError};
use std::time::{Duration, Instant};

/// How many shards the index has: a writer holding one leaves the others to requests.
pub const SHARDS: usize = 32;

/// Which shards hold entries of a UEM device tag: bit `i` for shard `i`.
type ShardMask = u32;
const _: () = assert!(SHARDS <= ShardMask::BITS as usize);

/// How long a request spins for a held shard before it sleeps: a write holds a shard for
/// about a microsecond, and waking from a sleep costs more than that.
const SPIN: Duration = Duration::from_micros(50);

/// An entry's decision state and when it was last used (a stamp of the index's counter).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamped {
    state: CachedState,
    used: u64,
}

type Shard = LruIndex<Box<[u8]>, Stamped>;

/// The cache's in-memory index: stored key bytes to decision state, bounded, in
/// least-recently-used order, also listed by the UEM device tag of each entry.
///
/// Which keys it holds is changed by one writer at a time (the cache); requests look up
/// and mark entries used concurrently. The index never evicts by itself: the writer
/// removes the entries it chose (see [`DeviceIndex::lru_keys`]) before it adds others.
pub struct DeviceIndex {
    shards: Box<[Mutex<Shard>]>,
    /// The shards that hold entries of each UEM device tag, so that listing a device's
    /// entries reads only those; changed while the shard concerned is held. Requests
    /// never take this lock.
    groups: Mutex<HashMap<u64, ShardMask>>,
    clock: AtomicU64,
    len: AtomicUsize,
    capacity: AtomicU32,
    hasher: RandomState,
}

impl DeviceIndex {
    /// An empty index for at most `capacity` entries (capped at [`MAX_INDEX_CAPACITY`]).
    pub fn new(capacity: NonZeroU32) -> Self {
        let unbounded = NonZeroU32::new(MAX_INDEX_CAPACITY).unwrap_or(NonZeroU32::MAX);
        let shards = (0..SHARDS).map(|_| Mutex::new(Shard::grouped(unbounded, |s| s.state.uem_tag))).collect();
        Self {
            shards,
            groups: Mutex::new(HashMap::new()),
            clock: AtomicU64::new(0),
            len: AtomicUsize::new(0),
            capacity: AtomicU32::new(capacity.get().min(MAX_INDEX_CAPACITY)),
            hasher: RandomState::new(),
        }
    }

    /// Makes room for `additional` more entries, so that adding them does not grow a hash
    /// table while its shard is held.
    pub fn reserve(&self, additional: usize) {
        // Keys spread evenly over the shards; the slack covers the spread's deviation.
        let each = additional / SHARDS + additional / SHARDS / 8 + 64;
        self.shards.iter().for_each(|shard| lock(shard).reserve(each));
        lock_groups(&self.groups).reserve(additional);
    }

    /// How many entries the index holds.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Relaxed)
    }

    /// Whether the index holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The most entries the cache keeps.
    pub fn capacity(&self) -> NonZeroU32 {
        NonZeroU32::new(self.capacity.load(Ordering::Relaxed)).unwrap_or(NonZeroU32::MIN)
    }

    fn shard(&self, key: &[u8]) -> &Mutex<Shard> {
        &self.shards[self.shard_at(key)]
    }

    fn shard_at(&self, key: &[u8]) -> usize {
        (self.hasher.hash_one(key) % SHARDS as u64) as usize
    }

    /// Notes that shard `at` holds entries of `tag`.
    fn grouped(&self, at: usize, tag: u64) {
        if tag != 0 {
            *lock_groups(&self.groups).entry(tag).or_default() |= 1 << at;
        }
    }

    /// Notes that shard `at` (held: `shard`) may no longer hold entries of `tag`.
    fn ungrouped(&self, shard: &Shard, at: usize, tag: u64) {
        if tag == 0 || shard.iter_group(tag).next().is_some() {
            return;
        }
        let mut groups = lock_groups(&self.groups);
        if let Some(mask) = groups.get_mut(&tag) {
            *mask &= !(1 << at);
            if *mask == 0 {
                groups.remove(&tag);
            }
        }
    }

    fn stamp(&self) -> u64 {
        self.clock.fetch_add(1, Ordering::Relaxed)
    }

    /// The decision state for `key`; recency is unchanged.
    pub fn get(&self, key: &[u8]) -> Option<CachedState> {
        lock_soon(self.shard(key)).get(key).map(|s| s.state)
    }

    /// Whether `key` is present.
    pub fn contains(&self, key: &[u8]) -> bool {
        lock(self.shard(key)).contains(key)
    }

    /// The decision state for `key`, marking it the most recently used when `touch_if`
    /// says so; one hold of its shard for both.
    pub fn lookup_touching(&self, key: &[u8], touch_if: impl FnOnce(&CachedState) -> bool) -> Option<CachedState> {
        let mut shard = lock_soon(self.shard(key));
        let state = shard.get(key)?.state;
        if touch_if(&state) {
            let used = self.stamp();
            shard.touch_with(key, |s| s.used = used);
        }
        Some(state)
    }

    /// Marks `key` as the most recently used; returns whether it is present.
    pub fn touch(&self, key: &[u8]) -> bool {
        let mut shard = lock_soon(self.shard(key));
        let used = self.stamp();
        shard.touch_with(key, |s| s.used = used)
    }

    /// Inserts or replaces the state for `key` and makes it the most recently used;
    /// returns the previous state. Never evicts: the index may hold more than its
    /// capacity until the writer removes entries.
    pub fn insert(&self, key: Box<[u8]>, state: CachedState) -> Option<CachedState> {
        let at = self.shard_at(&key);
        let mut shard = lock(&self.shards[at]);
        let used = self.stamp();
        let tag = state.uem_tag;
        match shard.insert(key, Stamped { state, used }) {
            Inserted::Updated(old) => {
                if old.state.uem_tag != tag {
                    self.grouped(at, tag);
                    self.ungrouped(&shard, at, old.state.uem_tag);
                }
                Some(old.state)
            }
            Inserted::Added { .. } => {
                self.grouped(at, tag);
                self.len.fetch_add(1, Ordering::Relaxed);
                None
            }
        }
    }

    /// Removes `key`; returns its state if it was present.
    pub fn remove(&self, key: &[u8]) -> Option<CachedState> {
        let at = self.shard_at(key);
        let mut shard = lock(&self.shards[at]);
        let removed = shard.remove(key)?;
        self.ungrouped(&shard, at, removed.state.uem_tag);
        self.len.fetch_sub(1, Ordering::Relaxed);
        Some(removed.state)
    }

    /// Removes and returns the least recently used entry.
    pub fn pop_lru(&self) -> Option<(Box<[u8]>, CachedState)> {
        loop {
            let mut oldest: Option<(u64, usize)> = None;
            for (at, shard) in self.shards.iter().enumerate() {
                if let Some(used) = tail_stamp(&lock(shard)) {
                    if oldest.is_none_or(|(best, _)| used < best) {
                        oldest = Some((used, at));
                    }
                }
            }
            let (used, at) = oldest?;
            let mut shard = lock(&self.shards[at]);
            // A request may have used that entry since: then look again.
            if tail_stamp(&shard) == Some(used) {
                let (key, value) = shard.pop_lru()?;
                self.ungrouped(&shard, at, value.state.uem_tag);
                self.len.fetch_sub(1, Ordering::Relaxed);
                return Some((key, value.state));
            }
        }
    }

    /// Changes the capacity; when it shrinks below the entries held, the least recently
    /// used go first and are returned.
    pub fn set_capacity(&self, capacity: NonZeroU32) -> Vec<(Box<[u8]>, CachedState)> {
        self.capacity.store(capacity.get().min(MAX_INDEX_CAPACITY), Ordering::Relaxed);
        let mut evicted = Vec::new();
        while self.len() > capacity.get() as usize {
            match self.pop_lru() {
                Some(entry) => evicted.push(entry),
                None => break,
            }
        }
        evicted
    }

    /// Removes every entry; the capacity stays.
    pub fn clear(&self) {
        let mut shards: Vec<_> = self.shards.iter().map(lock).collect();
        shards.iter_mut().for_each(|shard| shard.clear());
        lock_groups(&self.groups).clear();
        self.len.store(0, Ordering::Relaxed);
    }

    /// Up to `limit` keys from the least recently used on (the eviction order), leaving
    /// out those `skip` names. One shard is held at a time.
    pub fn lru_keys(&self, limit: usize, skip: impl Fn(&[u8]) -> bool) -> Vec<Box<[u8]>> {
        self.in_order(true, limit, |key, _| !skip(key))
    }

    /// Up to `limit` keys whose entry passes `wanted`, from the most recently used on.
    /// One shard is held at a time.
    pub fn mru_keys_where(&self, limit: usize, wanted: impl Fn(&[u8], &CachedState) -> bool) -> Vec<Box<[u8]>> {
        self.in_order(false, limit, wanted)
    }

    /// Up to `limit` keys that pass `wanted`, least recent first when `from_lru`: each
    /// shard gives its first `limit` in its own order (one shard held at a time), and
    /// these are merged by stamp. An entry used meanwhile keeps the place it had when its
    /// shard was read.
    fn in_order(&self, from_lru: bool, limit: usize, wanted: impl Fn(&[u8], &CachedState) -> bool) -> Vec<Box<[u8]>> {
        let mut found: Vec<(u64, Box<[u8]>)> = Vec::new();
        if limit == 0 {
            return Vec::new();
        }
        for shard in self.shards.iter() {
            let shard = lock(shard);
            let walk = if from_lru { shard.iter_lru() } else { shard.iter_mru() };
            found.extend(walk.filter(|(k, s)| wanted(k, &s.state)).take(limit).map(|(k, s)| (s.used, k.clone())));
        }
        if from_lru {
            found.sort_unstable_by_key(|(used, _)| *used);
        } else {
            found.sort_unstable_by_key(|(used, _)| std::cmp::Reverse(*used));
        }
        found.into_iter().take(limit).map(|(_, key)| key).collect()
    }

    /// The keys of the entries whose UEM device tag is `tag` (none for 0), read from the
    /// shards that hold any, one at a time.
    pub fn group_keys(&self, tag: u64) -> Vec<Box<[u8]>> {
        let mask = lock_groups(&self.groups).get(&tag).copied().unwrap_or(0);
        let mut out = Vec::new();
        for (_, shard) in self.shards.iter().enumerate().filter(|(at, _)| mask & (1 << at) != 0) {
            out.extend(lock(shard).iter_group(tag).map(|(k, _)| k.clone()));
        }
        out
    }

    /// The distinct UEM device tags of the entries, each once.
    pub fn group_tags(&self) -> HashSet<u64> {
        lock_groups(&self.groups).keys().copied().collect()
    }
}

fn tail_stamp(shard: &Shard) -> Option<u64> {
    shard.iter_lru().next().map(|(_, s)| s.used)
}

/// Takes a shard's lock; a poisoned lock is taken over (a shard is changed only by code
/// that does not panic midway).
fn lock(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    shard.lock().unwrap_or_else(PoisonError::into_inner)
}

fn lock_groups(groups: &Mutex<HashMap<u64, ShardMask>>) -> MutexGuard<'_, HashMap<u64, ShardMask>> {
    groups.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Takes a shard's lock for a request: spinning briefly first, so that a request meeting
/// a write's short hold does not pay a sleep and a wake-up.
fn lock_soon(shard: &Mutex<Shard>) -> MutexGuard<'_, Shard> {
    let started = Instant::now();
    loop {
        match shard.try_lock() {
            Ok(guard) => return guard,
            Err(TryLockError::Poisoned(poisoned)) => return poisoned.into_inner(),
            Err(TryLockError::WouldBlock) if started.elapsed() < SPIN => std::hint::spin_loop(),
            Err(TryLockError::WouldBlock) => return lock(shard),
        }
    }
}

#[cfg(test)]
#[path = "device_index_tests.rs"]
mod tests;
