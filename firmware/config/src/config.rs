//! The root of the configuration tree.

use crate::accs::AccsSettings;
use crate::activesync::ActiveSyncSettings;
use crate::agent::AgentSettings;
use crate::apptunnel::AppTunnelSettings;
use crate::device_cache::DeviceCacheSettings;
use crate::error::ConfigError;
use crate::gateway::GatewaySettings;
use crate::host_checker::HostCheckerSettings;
use crate::interfaces::{self, Interface};
use crate::management::ManagementSettings;
use crate::tls::TlsSettings;
use crate::uem::UemSettings;
use crate::users::{self, User};
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
    /// `[[interfaces]]`: the network interfaces the gateway owns. Default: none, and every
    /// interface is left as the system brought it up.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub interfaces: Vec<Interface>,
    /// `[management]`: where SSH and metrics listen, apart from the data plane.
    pub management: ManagementSettings,
    /// `[tls]`: the server certificate and the oldest TLS version accepted.
    pub tls: TlsSettings,
    /// `[device_cache]`: the persistent device cache.
    pub device_cache: DeviceCacheSettings,
    /// `[uem]`: the UEM connector and the check-ins.
    pub uem: UemSettings,
    /// `[activesync]`: the ActiveSync proxy.
    pub activesync: ActiveSyncSettings,
    /// `[apptunnel]`: the AppTunnel services.
    pub apptunnel: AppTunnelSettings,
    /// `[accs]`: the administrative portal and its sync interval.
    pub accs: AccsSettings,
    /// `[host_checker]`: the endpoint posture verifier (PT-TLS) and its policies.
    pub host_checker: HostCheckerSettings,
    /// `[agent]`: the endpoint agents' control channel and the protected resources.
    pub agent: AgentSettings,
    /// `[[users]]`: the CLI users. Default: none, and only the serial console can
    /// configure the gateway.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<User>,
}

impl Config {
    /// Checks every setting, and reports every offending one by its dotted path.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut report = Report::default();
        self.check_all(&mut report);
        report.finish()
    }

    /// What `commit` checks: every setting as [`Config::validate`] does, and also that no
    /// setting is one this version can store but not yet put into effect (a stored file
    /// holding one still loads, so nothing is lost on an upgrade; a new commit of it is
    /// refused, naming it).
    pub fn validate_for_commit(&self) -> Result<(), ValidationErrors> {
        let mut report = Report::default();
        self.check_all(&mut report);
        report.finish()
    }

    fn check_all(&self, report: &mut Report) {
        self.gateway.check("gateway", report);
        interfaces::check(&self.interfaces, report);
        self.management.check("management", &self.interfaces, report);
        self.tls.check("tls", report);
        self.device_cache.check("device_cache", report);
        self.uem.check("uem", report);
        self.activesync.check("activesync", report);
        self.apptunnel.check("apptunnel", report);
        self.accs.check("accs", report);
        self.host_checker.check("host_checker", &self.apptunnel, report);
        self.agent.check("agent", &self.apptunnel, report);
        users::check(&self.users, report);
    }

    /// The stored form: TOML starting with `version = CURRENT_VERSION`.
    pub fn to_toml_string(&self) -> Result<String, ConfigError> {
        let body = toml::to_string(self).map_err(ConfigError::Serialize)?;
        Ok(format!("{VERSION_KEY} = {CURRENT_VERSION}\n\n{body}"))
    }
}
