//! Setting up the gateway from the configuration: its identity, the device cache (moved
//! aside and started empty when damaged) and the access service over them. `posternd`
//! builds its gateway with these, and so does `postern-demo`; they need none of the
//! daemon's listeners or its CLI transport.

use postern_config::Config;
use postern_decision::{GatewayId, IdError};
use postern_device_cache::{CacheConfig, CacheError, DeviceCache, Opened};
use postern_gateway::Gateway;
use postern_uem_connector::UemConnector;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long a first access waits for the UEM before the outage rules apply (S3, S5).
pub const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);

/// Why the gateway could not be set up from the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// `gateway.id` is not an acceptable gateway id.
    #[error("gateway.id: {0}")]
    GatewayId(#[source] IdError),
    /// The device cache could not be opened, even empty.
    #[error("device cache {path}: {source}")]
    Cache {
        /// The cache directory.
        path: PathBuf,
        /// Why.
        source: CacheError,
    },
}

/// The gateway's identity, from `gateway.id`.
pub fn gateway_id(config: &Config) -> Result<GatewayId, SetupError> {
    GatewayId::new(&config.gateway.id).map_err(SetupError::GatewayId)
}

/// The device cache's capacity: `device_cache.size` (S9), at least one entry.
fn cache_capacity(config: &Config) -> NonZeroU32 {
    NonZeroU32::new(config.device_cache.size).unwrap_or(NonZeroU32::MIN)
}

/// Opens the device cache in `path`, sized by the configuration (S9). A damaged cache is
/// moved aside, never deleted, and an empty one takes its place: the returned
/// [`Opened::recovery`] says so and where the old one went, and every device is then decided
/// as a first access.
pub fn open_device_cache(path: &Path, config: &Config) -> Result<Opened, SetupError> {
    let capacity = cache_capacity(config);
    let opened = DeviceCache::open(&CacheConfig::new(path, capacity))
        .map_err(|source| SetupError::Cache { path: path.to_owned(), source })?;
    if let Some(recovery) = &opened.recovery {
        tracing::error!(
            moved_to = %recovery.moved_to.display(),
            damage = %recovery.damage,
            "device cache was damaged: moved aside; devices will be decided as first accesses"
        );
    }
    tracing::info!(path = %path.display(), entries = opened.cache.len(), capacity = capacity.get(),
        evicted = opened.evicted_at_open, "device cache open");
    Ok(opened)
}

/// The access service the configuration names: the gateway `gateway.id` over `cache`,
/// asking `uem`, on the wall clock, with first accesses waiting [`LOOKUP_TIMEOUT`] for the
/// UEM. Until the UEM's own settings reach it, the outage rule blocks new devices (S3).
pub fn gateway(config: &Config, uem: Arc<dyn UemConnector>, cache: DeviceCache) -> Result<Gateway, SetupError> {
    Ok(Gateway::new(gateway_id(config)?, uem, cache, unix_now_ms, LOOKUP_TIMEOUT))
}

/// Milliseconds since the Unix epoch: the gateway's clock.
pub fn unix_now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
