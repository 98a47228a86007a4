//! Reading the cache's memory without waiting for its writes.

use crate::device_index::DeviceIndex;
use crate::key::StoredKey;
use crate::record::CachedState;
use postern_decision::AccessKey;
use std::sync::Arc;

/// Looks devices up in the cache's memory without waiting for its writes: a write holds
/// one shard of the index at a time, for memory work only, never while it is flushed.
#[derive(Clone)]
pub struct CacheReader {
    pub(crate) index: Arc<DeviceIndex>,
}

impl CacheReader {
    /// The cached decision state for `key`; recency is unchanged.
    pub fn lookup(&self, key: &AccessKey) -> Option<CachedState> {
        let bytes = key.encode().ok()?;
        self.index.get(bytes.as_slice())
    }

    /// The cached decision state for `key`, marking it the most recently used when
    /// `touch_if` says so; one hold of the index for both.
    pub fn lookup_touching(&self, key: &AccessKey, touch_if: impl FnOnce(&CachedState) -> bool) -> Option<CachedState> {
        let bytes = key.encode().ok()?;
        self.index.lookup_touching(bytes.as_slice(), touch_if)
    }

    /// Marks `key` as the most recently used; returns whether it is cached.
    pub fn touch(&self, key: &AccessKey) -> bool {
        match key.encode() {
            Ok(bytes) => self.index.touch(bytes.as_slice()),
            Err(_) => false,
        }
    }
}
