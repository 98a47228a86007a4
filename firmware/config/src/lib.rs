//! The gateway's configuration: one typed, validated, versioned tree of settings, stored as TOML.

mod accs;
mod activesync;
mod agent;
mod apptunnel;
mod balancers;
mod checks;
mod config;
mod connector;
mod demo;
mod device_cache;
mod error;
mod file;
mod gateway;
mod host_checker;
mod host_checker_roles;
mod host_checker_sasl;
mod interfaces;
mod load;
mod management;
mod management_plane;
mod migration_steps;
mod net_checks;
mod ssh_key;
mod static_uem;
mod tls;
mod uem;
mod users;
mod validation;
mod version;

pub use accs::{ACCS_SYNC_INTERVAL_SECS, AccsSettings};
pub use activesync::ActiveSyncSettings;
pub use agent::{AGENT_PORT, AGENT_RESOURCE_NAME_MAX, AgentResource, AgentSettings};
pub use apptunnel::{APPTUNNEL_IDLE_TIMEOUT_SECS, AppTunnelService, AppTunnelSettings, ServiceKind};
pub use balancers::BALANCERS_MAX;
pub use config::Config;
pub use connector::{Connector, GRAPH_CLIENT_ID_MAX, GRAPH_TENANT_MAX, GraphConnector, PosternApiConnector};
pub use demo::DEMO_TOML;
pub use device_cache::{DEVICE_CACHE_SIZE, DeviceCacheSettings};
pub use error::ConfigError;
pub use file::MAX_FILE_BYTES;
pub use gateway::{GatewaySettings, SHUTDOWN_NOTICE_SECS};
pub use host_checker::{HOST_CHECKER_PORT, HostCheckerPolicy, HostCheckerSettings, PATCH_LIST_INTERVAL_SECS};
pub use host_checker_roles::HostCheckerRole;
pub use host_checker_sasl::{
    HostCheckerSasl, SASL_HASH_ITERATIONS, SASL_PASSWORD_MAX, SASL_USER_MAX, SaslMode, SaslUser, hash_password,
    verify_password,
};
pub use interfaces::{INTERFACE_NAME_MAX, Interface, OFFLOADS};
pub use management::{METRICS_ALLOWED_MAX, ManagementSettings};
pub use management_plane::{ChosenBy, ManagementPlane, NoManagementAddress};
pub use migration_steps::{StepError, insert_if_absent, rename};
/// The outage rule (S3) is the decision core's.
pub use postern_decision::OutagePolicy;
pub use ssh_key::{SSH_KEY_LINE_MAX, SSH_KEY_TYPES, SSH_RSA_MIN_BITS};
pub use static_uem::{Platform, ReportedState, StaticConnector, StaticDevice, StaticUemSettings};
pub use tls::{TlsSettings, TlsVersion};
pub use uem::{
    BACKOFF_CAP_SECS, COMPLIANCE_INTERVAL_SECS, CheckinSettings, INVENTORY_INTERVAL_SECS, JITTER_PERCENT,
    TUNNEL_ACTIONS_INTERVAL_SECS, UemSettings,
};
pub use users::{Privilege, USER_NAME_MAX, User};
pub use validation::{Problem, ValidationError, ValidationErrors};
pub use version::{
    CURRENT_VERSION, MIGRATIONS, Migration, MigrationFn, VERSION_KEY, checked_current_version, current_version,
    migrate, stored_version,
};
