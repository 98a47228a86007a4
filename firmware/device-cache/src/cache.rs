//! The device cache: a sled store for durability and an in-memory LRU index for lookups.
//!
//! Lookups and touches use only the index. Every write goes to the store first, is flushed
//! to disk, and only then changes the index, so what the index says was acknowledged and
//! survives a crash. The index has its own lock, held for memory work only, never across a
//! store read or flush: a [`CacheReader`] looks devices up while a write is on its way to
//! the disk. The index is split into shards, each with its own lock, and a write holds
//! one shard at a time (see [`DeviceIndex`]).

use crate::device_index::DeviceIndex;
use crate::error::CacheError;
use crate::key::{StoredKey, kind_of};
use crate::reader::CacheReader;
use crate::record::{CachedState, DeviceRecord};
use crate::record_format::{decode_record, encode_record};
use crate::recovery::{Recovery, hex, open_or_recover};
use crate::sled_store::{SledStore, WriteSet};
use postern_decision::{AccessKey, Channel};
use std::collections::HashSet;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// A record ready to be written: its stored key, stored value and decision state.
struct Staged {
    key: Box<[u8]>,
    value: Vec<u8>,
    state: CachedState,
}

/// The entries a write evicts, and how many entries the cache holds after it.
struct Plan {
    victims: Vec<Box<[u8]>>,
    count_after: usize,
}

/// Bytes of storage-engine page cache used unless configured otherwise. Lookups never
/// read the store, so it only speeds up writes and record reads.
pub const DEFAULT_STORE_CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// Where the cache lives and how big it may grow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheConfig {
    /// The cache directory (created if missing).
    pub path: PathBuf,
    /// The configured device cache size: the most entries kept (S9).
    pub capacity: NonZeroU32,
    /// Bytes of storage-engine page cache.
    pub store_cache_bytes: u64,
    /// How long opening waits for the store's lock while another handle holds it.
    pub lock_wait: Duration,
}

impl CacheConfig {
    /// A configuration with the default page cache size.
    pub fn new(path: impl Into<PathBuf>, capacity: NonZeroU32) -> Self {
        Self {
            path: path.into(),
            capacity,
            store_cache_bytes: DEFAULT_STORE_CACHE_BYTES,
            lock_wait: postern_sled_guard::LOCK_WAIT,
        }
    }
}

/// The result of opening a cache.
pub struct Opened {
    /// The open cache.
    pub cache: DeviceCache,
    /// Set when the cache on disk was damaged and an empty one took its place: every
    /// device must then be decided as a first access.
    pub recovery: Option<Recovery>,
    /// Entries dropped at open because the store held more than the configured capacity
    /// (the least recently written went first).
    pub evicted_at_open: usize,
}

/// The persistent, bounded, least-recently-used device cache.
pub struct DeviceCache {
    store: SledStore,
    index: Arc<DeviceIndex>,
}

impl DeviceCache {
    /// Opens the cache, rebuilding the index from every stored record. A damaged cache is
    /// moved aside and replaced by an empty one (see [`Opened::recovery`]); only a cache
    /// that cannot be opened or created at all is an error.
    pub fn open(config: &CacheConfig) -> Result<Opened, CacheError> {
        let (loaded, recovery) = open_or_recover(config)?;
        let mut store = loaded.store;
        let mut entries = loaded.entries;
        // The store iterates in key order and the sort is stable: ties stay in key order.
        entries.sort_by_key(|e| e.updated_ms);
        let excess = entries.len().saturating_sub(config.capacity.get() as usize);
        if excess > 0 {
            let mut writes = WriteSet::new();
            for e in entries.iter().take(excess) {
                writes.delete(&e.key);
            }
            store.apply_durably(writes, entries.len() - excess)?;
            tracing::info!(path = %config.path.display(), excess, capacity = config.capacity.get(), "device cache held more entries than its capacity; evicted the least recently written");
        }
        let index = DeviceIndex::new(config.capacity);
        index.reserve(entries.len() - excess);
        for e in entries.into_iter().skip(excess) {
            index.insert(e.key, e.state);
        }
        let index = Arc::new(index);
        Ok(Opened { cache: DeviceCache { store, index }, recovery, evicted_at_open: excess })
    }

    /// The cache directory.
    pub fn path(&self) -> &Path {
        self.store.path()
    }

    /// How many entries the cache holds.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether the cache holds no entry.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The most entries the cache holds before it evicts.
    pub fn capacity(&self) -> NonZeroU32 {
        self.index.capacity()
    }

    /// A reader of this cache's memory that does not wait for its writes.
    pub fn reader(&self) -> CacheReader {
        CacheReader { index: Arc::clone(&self.index) }
    }

    /// The cached decision state for `key`, from memory only; recency is unchanged.
    pub fn lookup(&self, key: &AccessKey) -> Option<CachedState> {
        self.reader().lookup(key)
    }

    /// Marks `key` as the most recently used; returns whether it is cached. Recency lives
    /// in memory only (see the crate's README for the order after a restart).
    pub fn touch(&self, key: &AccessKey) -> bool {
        self.reader().touch(key)
    }

    /// The full stored record for `key` (reads the store).
    pub fn record(&self, key: &AccessKey) -> Result<Option<DeviceRecord>, CacheError> {
        let bytes = key.encode()?;
        match self.store.get(&bytes)? {
            Some(value) => {
                decode_record(&value).map(Some).map_err(|source| CacheError::Record { key: key.to_string(), source })
            }
            None => Ok(None),
        }
    }

    /// Inserts or replaces one record durably (on disk when this returns `Ok`) and makes
    /// it the most recently used. Returns the keys evicted to make room.
    pub fn upsert(&mut self, key: &AccessKey, record: &DeviceRecord) -> Result<Vec<AccessKey>, CacheError> {
        self.write(core::iter::once((key, record)))
    }

    /// Inserts or replaces many records in one atomic, durable write (one flush). The
    /// records become the most recently used in the given order; when a key repeats, the
    /// last record wins. Returns the keys evicted to make room.
    pub fn upsert_batch(&mut self, entries: &[(AccessKey, DeviceRecord)]) -> Result<Vec<AccessKey>, CacheError> {
        self.write(entries.iter().map(|(k, r)| (k, r)))
    }

    fn write<'a>(
        &mut self,
        entries: impl Iterator<Item = (&'a AccessKey, &'a DeviceRecord)>,
    ) -> Result<Vec<AccessKey>, CacheError> {
        let mut encoded = Vec::new();
        for (key, record) in entries {
            let value = encode_record(record).map_err(|source| CacheError::Record { key: key.to_string(), source })?;
            encoded.push(Staged { key: Box::from(key.encode()?.as_slice()), value, state: record.cached_state() });
        }
        let Plan { victims, count_after } = plan_evictions(&self.index, &encoded)?;
        let mut writes = WriteSet::new();
        for staged in &mut encoded {
            writes.put(&staged.key, core::mem::take(&mut staged.value));
        }
        for victim in &victims {
            writes.delete(victim);
        }
        self.store.apply_durably(writes, count_after)?;
        // One entry per hold of one shard: a request waits for at most that much work, and
        // only when its device is in the same shard.
        for victim in &victims {
            self.index.remove(victim);
        }
        for Staged { key, state, .. } in encoded {
            self.index.insert(key, state);
        }
        let mut stray = Vec::new();
        while self.index.len() > self.index.capacity().get() as usize {
            match self.index.pop_lru() {
                Some((key, _)) => stray.push(key),
                None => break,
            }
        }
        let len = self.index.len();
        if !stray.is_empty() {
            // Unreachable when the plan above is right; keep the store in step regardless.
            tracing::error!(
                count = stray.len(),
                "device cache evicted entries it had not planned to; removing them from the store"
            );
            let mut writes = WriteSet::new();
            stray.iter().for_each(|k| writes.delete(k));
            self.store.apply_durably(writes, len)?;
        }
        Ok(victims.iter().chain(&stray).filter_map(|k| AccessKey::decode(k).ok()).collect())
    }

    /// Changes the capacity (`device-cache size` at commit). Shrinking evicts the least
    /// recently used entries durably first; returns their keys.
    pub fn resize(&mut self, capacity: NonZeroU32) -> Result<Vec<AccessKey>, CacheError> {
        let len = self.index.len();
        let victims = self.index.lru_keys(len.saturating_sub(capacity.get() as usize), |_| false);
        if !victims.is_empty() {
            let mut writes = WriteSet::new();
            victims.iter().for_each(|k| writes.delete(k));
            self.store.apply_durably(writes, len - victims.len())?;
        }
        // The entries the store dropped, not whichever are least recent by now: requests
        // may have used some of them meanwhile.
        for victim in &victims {
            self.index.remove(victim);
        }
        let evicted = self.index.set_capacity(capacity);
        debug_assert!(evicted.is_empty(), "the index evicts only what the store deleted");
        tracing::info!(capacity = capacity.get(), evicted = victims.len(), "device cache resized");
        Ok(victims.iter().filter_map(|k| AccessKey::decode(k).ok()).collect())
    }

    /// Removes `key` durably; returns whether it was cached.
    pub fn remove(&mut self, key: &AccessKey) -> Result<bool, CacheError> {
        let bytes = key.encode()?;
        if !self.index.contains(bytes.as_slice()) {
            return Ok(false);
        }
        let len = self.index.len();
        let mut writes = WriteSet::new();
        writes.delete(&bytes);
        self.store.apply_durably(writes, len - 1)?;
        self.index.remove(bytes.as_slice());
        Ok(true)
    }

    /// Removes every entry durably.
    pub fn clear(&mut self) -> Result<(), CacheError> {
        self.store.clear()?;
        self.index.clear();
        Ok(())
    }

    /// Up to `limit` full records of one kind, most recently used first (reads the store).
    /// At start-up, `entries(Channel::AppTunnel, capacity)` reloads every cached AppTunnel (S7).
    pub fn entries(&self, kind: Channel, limit: usize) -> Result<Vec<(AccessKey, DeviceRecord)>, CacheError> {
        let keys = self.index.mru_keys_where(limit, |k, _| kind_of(k) == Some(kind));
        self.read_indexed_all(&keys)
    }

    /// The full records whose UEM device tag is `tag` ([`crate::uem_tag`]), without
    /// changing their recency (reads the store for those entries only). Devices whose ids
    /// share a tag come together: check each record's id.
    pub fn entries_by_uem_tag(&self, tag: u64) -> Result<Vec<(AccessKey, DeviceRecord)>, CacheError> {
        let keys = self.index.group_keys(tag);
        self.read_indexed_all(&keys)
    }

    /// Up to `limit` keys of one kind whose in-memory state passes `wanted`, most recently
    /// used first; reads nothing from the store, so callers can read the records a few at
    /// a time.
    pub fn keys_where(
        &self,
        kind: Channel,
        limit: usize,
        wanted: impl Fn(&CachedState) -> bool,
    ) -> Result<Vec<AccessKey>, CacheError> {
        let keys = self.index.mru_keys_where(limit, |k, s| kind_of(k) == Some(kind) && wanted(s));
        keys.iter().map(|k| AccessKey::decode(k).map_err(CacheError::from)).collect()
    }

    /// The UEM device tags of the cached entries, each once (from memory).
    pub fn uem_tags(&self) -> HashSet<u64> {
        self.index.group_tags()
    }

    /// The stored records of indexed keys, read without holding the index.
    fn read_indexed_all(&self, keys: &[Box<[u8]>]) -> Result<Vec<(AccessKey, DeviceRecord)>, CacheError> {
        let mut out = Vec::with_capacity(keys.len());
        for key in keys {
            out.extend(self.read_indexed(key)?);
        }
        Ok(out)
    }

    /// The stored record of an indexed key; none (and a warning) when the store lacks it.
    fn read_indexed(&self, key: &[u8]) -> Result<Option<(AccessKey, DeviceRecord)>, CacheError> {
        let cache_key = AccessKey::decode(key)?;
        let Some(value) = self.store.get(key)? else {
            tracing::warn!(key = %hex(key), "indexed device cache entry has no stored record");
            return Ok(None);
        };
        let record =
            decode_record(&value).map_err(|source| CacheError::Record { key: cache_key.to_string(), source })?;
        Ok(Some((cache_key, record)))
    }

    /// The cached AppTunnels, most recently used first, at most `limit` of them.
    pub fn app_tunnels(&self, limit: usize) -> Result<Vec<(AccessKey, DeviceRecord)>, CacheError> {
        self.entries(Channel::AppTunnel, limit)
    }

    /// The in-memory index, for inspection (e.g. listing recent keys).
    pub fn index(&self) -> &DeviceIndex {
        &self.index
    }
}

/// Which entries must go so that `incoming` fits (the least recently used ones that
/// `incoming` does not name), and how many entries the cache then holds. Only the writer
/// changes which keys the index holds, so it is read one key per hold; the shards are all
/// held together only to pick victims, when there are any.
fn plan_evictions(index: &DeviceIndex, incoming: &[Staged]) -> Result<Plan, CacheError> {
    let distinct: HashSet<&[u8]> = incoming.iter().map(|s| &s.key[..]).collect();
    let capacity = index.capacity().get();
    if distinct.len() > capacity as usize {
        return Err(CacheError::BatchTooLarge { distinct: distinct.len(), capacity });
    }
    let new = distinct.iter().filter(|k| !index.contains(k)).count();
    let len = index.len();
    let need = (len + new).saturating_sub(capacity as usize);
    let victims = index.lru_keys(need, |k| distinct.contains(k));
    let count_after = len + new - victims.len();
    Ok(Plan { victims, count_after })
}
