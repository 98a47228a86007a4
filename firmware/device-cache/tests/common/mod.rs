//! Keys and records shared by the integration tests.
#![allow(dead_code, unreachable_pub)]

use postern_decision::{
    AccessKey, AppId, DeviceIdentity, DeviceState, EasDeviceId, Platform, Provenance, ServiceName, TunnelKey,
    UemDeviceId,
};
use postern_device_cache::{CacheConfig, DeviceCache, DeviceRecord, Opened};
use std::num::NonZeroU32;
use std::path::Path;

pub fn eas(id: &str) -> AccessKey {
    AccessKey::ActiveSync(EasDeviceId::new(id).expect("valid ActiveSync id"))
}

pub fn tunnel(uem: &str, app: &str) -> AccessKey {
    AccessKey::AppTunnel(TunnelKey {
        uem_device_id: UemDeviceId::new(uem).expect("valid UEM id"),
        app_id: AppId::new(app).expect("valid app id"),
        service: ServiceName::new("intranet").expect("valid service"),
    })
}

pub fn record(state: DeviceState, updated_ms: u64) -> DeviceRecord {
    DeviceRecord {
        identity: DeviceIdentity { platform: Platform::Android, ..DeviceIdentity::default() },
        state,
        provenance: Provenance::Uem,
        first_seen_ms: 1_000,
        updated_ms,
    }
}

pub fn config(path: &Path, capacity: u32) -> CacheConfig {
    CacheConfig::new(path, NonZeroU32::new(capacity).expect("non-zero capacity"))
}

pub fn open(path: &Path, capacity: u32) -> Opened {
    DeviceCache::open(&config(path, capacity)).expect("cache opens")
}
