//! The storage side of the cache: a sled database whose writes are flushed before they are
//! acknowledged. It knows bytes, not devices.

use crate::error::CacheError;
use crate::seal::Seal;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The store's own bookkeeping key; it sorts before every record key.
pub(crate) const META_KEY: &[u8] = b"\x00meta";

/// The store's bookkeeping, written atomically with every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Meta {
    /// Sequence number of the last write.
    pub(crate) seq: u64,
    /// How many records the store holds after that write.
    pub(crate) count: u64,
}

impl Meta {
    fn encode(self) -> [u8; 16] {
        let mut out = [0u8; 16];
        out[..8].copy_from_slice(&self.seq.to_be_bytes());
        out[8..].copy_from_slice(&self.count.to_be_bytes());
        out
    }

    fn decode(bytes: &[u8]) -> Option<Self> {
        let (seq, count) = bytes.split_at_checked(8)?;
        Some(Self { seq: u64::from_be_bytes(seq.try_into().ok()?), count: u64::from_be_bytes(count.try_into().ok()?) })
    }
}

/// One write to apply atomically: keys to set and keys to delete.
pub(crate) struct WriteSet {
    batch: sled::Batch,
    empty: bool,
}

impl WriteSet {
    pub(crate) fn new() -> Self {
        Self { batch: sled::Batch::default(), empty: true }
    }

    pub(crate) fn put(&mut self, key: &[u8], value: Vec<u8>) {
        self.batch.insert(key, value);
        self.empty = false;
    }

    pub(crate) fn delete(&mut self, key: &[u8]) {
        self.batch.remove(key);
        self.empty = false;
    }
}

/// An open sled database holding the cache's records.
pub(crate) struct SledStore {
    db: sled::Db,
    path: PathBuf,
    seq: u64,
    seal: Option<Seal>,
}

impl SledStore {
    /// Opens (or creates) the database in `path`, waiting up to `lock_wait` for a lock
    /// that another handle still holds.
    pub(crate) fn open(path: &Path, cache_bytes: u64, lock_wait: Duration) -> Result<Self, sled::Error> {
        let config = sled::Config::new().path(path).cache_capacity(cache_bytes);
        let db = postern_sled_guard::open(&config, lock_wait)?;
        Ok(Self { db, path: path.to_path_buf(), seq: 0, seal: None })
    }

    /// The stored bookkeeping: `Ok(None)` when there is none yet, `Err` with the stored
    /// bytes' length when they are malformed.
    pub(crate) fn meta(&self) -> Result<Result<Option<Meta>, usize>, sled::Error> {
        Ok(match self.db.get(META_KEY)? {
            None => Ok(None),
            Some(bytes) => Meta::decode(&bytes).map(Some).ok_or(bytes.len()),
        })
    }

    /// Continues numbering writes after `seq` and seals each acknowledged one in `seal`.
    pub(crate) fn attach_seal(&mut self, seq: u64, seal: Seal) {
        self.seq = seq;
        self.seal = Some(seal);
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn failed(&self, op: &'static str) -> impl FnOnce(sled::Error) -> CacheError + '_ {
        move |source| CacheError::Storage { path: self.path.clone(), op, source }
    }

    /// Applies `writes` atomically, together with the bookkeeping (the store then holds
    /// `count` records), and returns only once they are on disk and sealed.
    pub(crate) fn apply_durably(&mut self, mut writes: WriteSet, count: usize) -> Result<(), CacheError> {
        if writes.empty {
            return Ok(());
        }
        let seq = self.seq + 1;
        writes.batch.insert(META_KEY, &Meta { seq, count: count as u64 }.encode()[..]);
        self.db.apply_batch(writes.batch).map_err(self.failed("write"))?;
        self.flush()?;
        self.seq = seq;
        if let Some(Err(e)) = self.seal.as_ref().map(|seal| seal.write(seq)) {
            // The write is on disk; only the damage check at open is weaker until the next
            // seal succeeds.
            tracing::error!(path = %self.path.display(), seq, error = %e, "could not update the device cache seal");
        }
        Ok(())
    }

    /// Writes everything applied so far to disk.
    pub(crate) fn flush(&self) -> Result<(), CacheError> {
        self.db.flush().map(drop).map_err(self.failed("flush"))
    }

    /// The stored value for `key`.
    pub(crate) fn get(&self, key: &[u8]) -> Result<Option<sled::IVec>, CacheError> {
        self.db.get(key).map_err(self.failed("read"))
    }

    /// Removes every record in one atomic write and returns once that is on disk.
    pub(crate) fn clear(&mut self) -> Result<(), CacheError> {
        let mut writes = WriteSet::new();
        for key in self.db.iter().keys() {
            let key = key.map_err(self.failed("read"))?;
            if &key[..] != META_KEY {
                writes.delete(&key);
            }
        }
        self.apply_durably(writes, 0)
    }

    /// Every stored record key and value, in key order (the bookkeeping is skipped).
    pub(crate) fn records(&self) -> impl Iterator<Item = Result<(sled::IVec, sled::IVec), sled::Error>> {
        self.db.iter().filter(|item| !matches!(item, Ok((k, _)) if &k[..] == META_KEY))
    }
}
