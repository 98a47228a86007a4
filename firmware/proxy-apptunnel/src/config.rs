//! How the AppTunnel proxy serves tunnels.

use crate::device_limits::DEFAULT_MAX_CONNECTIONS_PER_DEVICE;
use crate::tunnel_metrics::AppTunnelMetrics;
use postern_config::{AppTunnelService, AppTunnelSettings};
use postern_proxy_front::HttpLimits;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

/// How the proxy serves tunnels.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AppTunnelConfig {
    /// The services apps may reach.
    pub services: Vec<AppTunnelService>,
    /// A tunnel with no byte in either direction for this long is closed (Z2); a plain
    /// HTTP request whose back end sends no response head for this long gets `504`.
    pub idle_timeout: Duration,
    /// How long a connect to a back end may take before the server counts as failing.
    pub connect_timeout: Duration,
    /// How long a server whose connect failed is skipped.
    pub down_for: Duration,
    /// Addresses for host names, consulted before the system resolver.
    pub hosts: HashMap<String, IpAddr>,
    /// Limits on request heads.
    pub http: HttpLimits,
    /// Connections one device may hold open at once; more are answered `429`.
    pub max_connections_per_device: usize,
    /// Where requests and open tunnels are counted (nowhere when `None`).
    pub metrics: Option<AppTunnelMetrics>,
    /// Whether a device certificate without a device URI is identified by its subject
    /// common name (see [`crate::device_identity`]). Default off.
    pub identity_from_common_name: bool,
    /// Host Checker policies services require (none when `None`).
    pub posture: Option<crate::posture::PostureRequirements>,
}

impl AppTunnelConfig {
    /// `services` with the defaults: 300 s idle timeout, 5 s connect timeout, 30 s down,
    /// 64 connections per device, no metrics, no common-name fallback.
    pub fn new(services: Vec<AppTunnelService>) -> Self {
        Self {
            services,
            idle_timeout: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(5),
            down_for: Duration::from_secs(30),
            hosts: HashMap::new(),
            http: HttpLimits::default(),
            max_connections_per_device: DEFAULT_MAX_CONNECTIONS_PER_DEVICE,
            metrics: None,
            identity_from_common_name: false,
            posture: None,
        }
    }

    /// The services, idle timeout and identity rule of an `[apptunnel]` section, other
    /// values default.
    pub fn from_settings(settings: &AppTunnelSettings) -> Self {
        let mut config = Self::new(settings.services.clone());
        config.idle_timeout = Duration::from_secs(u64::from(settings.idle_timeout_secs));
        config.identity_from_common_name = settings.identity_from_common_name;
        config
    }
}
