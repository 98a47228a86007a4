//! The agent's configuration file (TOML).

use crate::error::AgentError;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Every setting of the agent; all are required but `[dns]`, `[posture]` and `[data]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AgentConfig {
    /// The gateway's control channel, `HOST:PORT`; HOST is also the name its certificate
    /// must carry (a DNS name or an IP address).
    pub(crate) gateway: String,
    /// The authorities trusted for the gateway's certificate (PEM), and only they.
    pub(crate) ca_file: PathBuf,
    /// The device certificate (PEM chain) the gateway identifies the device by.
    pub(crate) certificate_file: PathBuf,
    /// Its private key (PEM).
    pub(crate) key_file: PathBuf,
    /// Where the session cookie (0600) and the status are kept.
    pub(crate) state_dir: PathBuf,
    /// Split DNS (`[dns]`); absent, the agent leaves the system's DNS alone.
    #[serde(default)]
    pub(crate) dns: Option<crate::split_dns::DnsSettings>,
    /// Posture reporting to the gateway's Host Checker (`[posture]`); absent, none.
    #[serde(default)]
    pub(crate) posture: Option<crate::posture::PostureSettings>,
    /// The data channel (TUN interface, routes, tunnels); absent: none.
    #[serde(default)]
    pub(crate) data: Option<crate::data::DataSettings>,
}

impl AgentConfig {
    /// Reads and checks `path`.
    pub(crate) fn load(path: &Path) -> Result<Self, AgentError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| AgentError::Io { what: format!("reading {}", path.display()), source })?;
        let config: Self = toml::from_str(&text)
            .map_err(|e| AgentError::Config { path: path.to_path_buf(), reason: e.to_string() })?;
        config.host().map_err(|reason| AgentError::Config { path: path.to_path_buf(), reason })?;
        if let Some(dns) = &config.dns {
            dns.synthetic_pool().map_err(|reason| AgentError::Config { path: path.to_path_buf(), reason })?;
        }
        if let Some(data) = &config.data {
            data.check().map_err(|reason| AgentError::Config { path: path.to_path_buf(), reason })?;
        }
        Ok(config)
    }

    /// The host part of `gateway`, without brackets.
    pub(crate) fn host(&self) -> Result<&str, String> {
        let (host, port) =
            self.gateway.rsplit_once(':').ok_or_else(|| format!("gateway {:?} is not HOST:PORT", self.gateway))?;
        port.parse::<u16>()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| format!("gateway {:?}: the port is not 1 to 65535", self.gateway))?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        if host.is_empty() {
            return Err(format!("gateway {:?} names no host", self.gateway));
        }
        Ok(host)
    }

    /// The stored session cookie.
    pub(crate) fn cookie_file(&self) -> PathBuf {
        self.state_dir.join("cookie")
    }

    /// The last posture verdict, kept for `postern-agent status`.
    pub(crate) fn posture_file(&self) -> PathBuf {
        self.state_dir.join("posture")
    }

    /// The status `postern-agent status` reads.
    pub(crate) fn status_file(&self) -> PathBuf {
        self.state_dir.join("status")
    }
}
