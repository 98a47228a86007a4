//! The gateway's configuration: one typed, validated, versioned tree of settings, stored as TOML.

mod activesync;
mod checks;
mod config;
mod connector;
mod demo;
mod device_cache;
mod error;
mod file;
mod gateway;
mod load;
mod migration_steps;
mod static_uem;
mod uem;
mod validation;
mod version;

pub use activesync::ActiveSyncSettings;
pub use config::Config;
pub use connector::{
    Connector, GRAPH_CLIENT_ID_MAX, GRAPH_TENANT_MAX, GraphConnector, PosternApiConnector,
};
pub use demo::DEMO_TOML;
pub use device_cache::{DEVICE_CACHE_SIZE, DeviceCacheSettings};
pub use error::ConfigError;
pub use file::MAX_FILE_BYTES;
pub use gateway::{GATEWAY_ID_MAX, GatewaySettings};
pub use migration_steps::{StepError, insert_if_absent, rename};
pub use static_uem::{
    ACTIVESYNC_ID_MAX, DeviceState, NewDeviceRule, Platform, StaticConnector, StaticDevice,
    StaticUemSettings, UEM_ID_MAX, USER_MAX,
};
pub use uem::{
    BACKOFF_CAP_SECS, COMPLIANCE_INTERVAL_SECS, CheckinSettings, INVENTORY_INTERVAL_SECS,
    JITTER_PERCENT, TUNNEL_ACTIONS_INTERVAL_SECS, UemSettings,
};
pub use validation::{Problem, ValidationError, ValidationErrors};
pub use version::{
    CURRENT_VERSION, MIGRATIONS, Migration, MigrationFn, VERSION_KEY, checked_current_version,
    current_version, migrate, stored_version,
};
