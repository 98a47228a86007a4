//! Conversions between the cache's records and the decision core's.

use postern_decision::{CacheRecord, Channel};
use postern_device_cache::{CacheKey, DeviceRecord, KeyKind};

/// The decision core's view of a stored record.
pub(crate) fn to_decision(key: &CacheKey, record: &DeviceRecord) -> CacheRecord {
    CacheRecord {
        identity: record.identity.clone(),
        channel: match key.kind() {
            KeyKind::ActiveSync => Channel::ActiveSync,
            KeyKind::AppTunnel => Channel::AppTunnel,
        },
        state: record.state,
        provenance: record.provenance,
    }
}

/// The stored form of a decided record, keeping when the device was first seen.
pub(crate) fn to_stored(record: CacheRecord, previous: Option<&DeviceRecord>, now_ms: u64) -> DeviceRecord {
    DeviceRecord {
        identity: record.identity,
        state: record.state,
        provenance: record.provenance,
        first_seen_ms: previous.map_or(now_ms, |p| p.first_seen_ms),
        updated_ms: now_ms,
    }
}
