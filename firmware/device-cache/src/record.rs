//! What the cache keeps for one entry.

use postern_decision::{AccessKey, CacheRecord, DeviceIdentity, DeviceState, Provenance, UemDeviceId};

/// Everything persisted for one cached device or AppTunnel.
///
/// Timestamps are milliseconds since the Unix epoch as the caller's clock gave them; the
/// cache never reads a clock.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceRecord {
    /// Who the device is.
    pub identity: DeviceIdentity,
    /// Its access state.
    pub state: DeviceState,
    /// How that state came about.
    pub provenance: Provenance,
    /// When the gateway first saw the device (Unix milliseconds).
    pub first_seen_ms: u64,
    /// When this record was last written (Unix milliseconds); after a restart, entries are
    /// ordered for eviction by this time.
    pub updated_ms: u64,
}

/// What a decision needs from the cache; the only per-entry data kept in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CachedState {
    /// The access state.
    pub state: DeviceState,
    /// How that state came about.
    pub provenance: Provenance,
    /// The recorded user's tag ([`postern_decision::user_tag`]; 0 for none): a request
    /// naming another user is not decided from the cache.
    pub user_tag: u32,
    /// The UEM device's tag ([`uem_tag`]; 0 for none): the cache lists the entries of one
    /// UEM device by it without reading the store.
    pub uem_tag: u64,
}

/// A tag for a UEM device id (FNV-1a, 64 bits; never 0, which means none). Ids that
/// differ may share a tag: the records read by it are checked against the id.
pub fn uem_tag(id: Option<&UemDeviceId>) -> u64 {
    let Some(id) = id else { return 0 };
    let hash = id
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3));
    hash.max(1)
}

impl DeviceRecord {
    /// The decision core's view of this record, stored under `key`.
    pub fn to_decision(&self, key: &AccessKey) -> CacheRecord {
        CacheRecord {
            identity: self.identity.clone(),
            channel: key.channel(),
            state: self.state,
            provenance: self.provenance,
        }
    }

    /// The record to store for a decided `record`, written at `now_ms`; keeps when the
    /// device was first seen from the `previous` record, if any.
    pub fn from_decision(record: CacheRecord, previous: Option<&DeviceRecord>, now_ms: u64) -> Self {
        DeviceRecord {
            identity: record.identity,
            state: record.state,
            provenance: record.provenance,
            first_seen_ms: previous.map_or(now_ms, |p| p.first_seen_ms),
            updated_ms: now_ms,
        }
    }

    /// The part of the record a decision needs.
    pub fn cached_state(&self) -> CachedState {
        CachedState {
            state: self.state,
            provenance: self.provenance,
            user_tag: postern_decision::user_tag(self.identity.user.as_ref()),
            uem_tag: uem_tag(self.identity.uem_device_id.as_ref()),
        }
    }
}
