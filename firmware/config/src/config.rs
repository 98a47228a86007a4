//! The root of the configuration tree.

use crate::activesync::ActiveSyncSettings;
use crate::device_cache::DeviceCacheSettings;
use crate::error::ConfigError;
use crate::gateway::GatewaySettings;
use crate::uem::UemSettings;
use crate::validation::{Report, ValidationErrors};
use crate::version::{CURRENT_VERSION, VERSION_KEY};
use serde::{Deserialize, Serialize};

/// Every setting of the gateway. Each section defaults as a whole and field by field, so
/// a stored configuration need only name what differs from the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// `[gateway]`: this gateway's identity.
    pub gateway: GatewaySettings,
    /// `[device_cache]`: the persistent device cache.
    pub device_cache: DeviceCacheSettings,
    /// `[uem]`: the UEM connector and the check-ins.
    pub uem: UemSettings,
    /// `[activesync]`: the ActiveSync proxy.
    pub activesync: ActiveSyncSettings,
}

impl Config {
    /// Checks every setting, and reports every offending one by its dotted path.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut report = Report::default();
        self.gateway.check("gateway", &mut report);
        self.device_cache.check("device_cache", &mut report);
        self.uem.check("uem", &mut report);
        self.activesync.check("activesync", &mut report);
        report.finish()
    }

    /// The stored form: TOML starting with `version = CURRENT_VERSION`.
    pub fn to_toml_string(&self) -> Result<String, ConfigError> {
        let body = toml::to_string(self).map_err(ConfigError::Serialize)?;
        Ok(format!("{VERSION_KEY} = {CURRENT_VERSION}\n\n{body}"))
    }
}
