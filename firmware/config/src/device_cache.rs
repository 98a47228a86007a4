//! `[device_cache]`: the persistent, bounded device cache.

use crate::checks;
use crate::validation::Report;
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;
use std::path::PathBuf;

/// Allowed values of `device_cache.size`.
pub const DEVICE_CACHE_SIZE: RangeInclusive<u32> = 1..=10_000_000;

/// `[device_cache]`: how many devices the gateway remembers, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeviceCacheSettings {
    /// Most devices the cache holds; beyond it the least recently used entry is evicted,
    /// and at start-up as many AppTunnels are reloaded. Default 100 000; 1 to 10 000 000.
    pub size: u32,
    /// Directory of the persistent cache, on the data area. Default
    /// `/var/lib/postern/device-cache`; must be absolute.
    pub path: PathBuf,
}

impl Default for DeviceCacheSettings {
    fn default() -> Self {
        Self { size: 100_000, path: PathBuf::from("/var/lib/postern/device-cache") }
    }
}

impl DeviceCacheSettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        report.check(at, "size", checks::range(self.size, &DEVICE_CACHE_SIZE));
        report.check(at, "path", checks::absolute_path(&self.path));
    }
}
