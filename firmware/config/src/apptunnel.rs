//! `[apptunnel]`: the back-end services that apps reach through AppTunnels.

use crate::checks;
use crate::net_checks;
use crate::validation::{Problem, Report};
use postern_decision::SERVICE_NAME_MAX;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::ops::RangeInclusive;

/// Allowed values of `apptunnel.idle_timeout_secs`.
pub const APPTUNNEL_IDLE_TIMEOUT_SECS: RangeInclusive<u32> = 10..=86_400;

/// `[apptunnel]`: AppTunnel services and how long an idle tunnel is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppTunnelSettings {
    /// Seconds without traffic after which a tunnel's data connection is closed. Default
    /// 300; 10 to 86 400.
    pub idle_timeout_secs: u32,
    /// The services apps may reach (`[[apptunnel.services]]`). Default: none, and no app
    /// traffic is tunnelled. Names must be unique.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<AppTunnelService>,
    /// PEM file of the authority that issues device identity certificates; apps present
    /// one to open a tunnel (mutual TLS). Default: absent, and no tunnel is served. Must
    /// be absolute.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_ca_file: Option<std::path::PathBuf>,
    /// Whether a device certificate without a `urn:postern:uem-device:` subjectAltName
    /// URI is identified by its subject common name. Default `false`: such a
    /// certificate gets no tunnel (`403`, `device-identity-missing`). Turn it on only
    /// for a device authority that cannot write the URI.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub identity_from_common_name: bool,
    /// The load balancers (source prefixes) whose connections to the AppTunnel listener
    /// start with a PROXY protocol header (v1 or v2), as `activesync.proxy_protocol_from`
    /// does for ActiveSync. Default: none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proxy_protocol_from: Vec<String>,
}

impl Default for AppTunnelSettings {
    fn default() -> Self {
        Self {
            idle_timeout_secs: 300,
            services: Vec::new(),
            client_ca_file: None,
            identity_from_common_name: false,
            proxy_protocol_from: Vec::new(),
        }
    }
}

/// One AppTunnel service: a name the UEM's app policies refer to, and its back ends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppTunnelService {
    /// The service's name, as the UEM's app policies name it. Required; 1 to 64 ASCII
    /// letters, digits, `-`, `_` and `.`; unique across the services.
    pub name: String,
    /// What is carried. Required; `http` or `tcp`.
    pub kind: ServiceKind,
    /// Where the traffic may go, each `host:port`: a DNS name, an IPv4 address or a
    /// bracketed IPv6 address, or `*.domain:port` for any host under a domain of at least
    /// two labels (e.g. `*.corp.example:443`); port 1 to 65535. Required; at least one,
    /// none repeated.
    pub servers: Vec<String>,
}

/// What an AppTunnel service carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    /// `http`: HTTP requests, proxied request by request.
    Http,
    /// `tcp`: a TCP byte stream, relayed as is.
    Tcp,
}

impl AppTunnelSettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        report.check(at, "idle_timeout_secs", checks::range(self.idle_timeout_secs, &APPTUNNEL_IDLE_TIMEOUT_SECS));
        if let Some(path) = &self.client_ca_file {
            report.check(at, "client_ca_file", checks::absolute_path(path));
        }
        crate::balancers::check(at, &self.proxy_protocol_from, report);
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (i, service) in self.services.iter().enumerate() {
            let here = format!("{at}.services[{i}]");
            service.check(&here, report);
            match names.entry(service.name.as_str()) {
                Entry::Occupied(first) => report.push(
                    format!("{here}.name"),
                    Problem::Duplicate {
                        value: service.name.clone(),
                        first: format!("{at}.services[{}].name", first.get()),
                    },
                ),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
    }
}

impl AppTunnelService {
    fn check(&self, at: &str, report: &mut Report) {
        let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        report.check(
            at,
            "name",
            checks::charset(
                &self.name,
                SERVICE_NAME_MAX,
                name_char,
                "only ASCII letters, digits, '-', '_' and '.' are allowed",
            ),
        );
        if self.servers.is_empty() {
            report.check(at, "servers", Err(Problem::Empty));
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, server) in self.servers.iter().enumerate() {
            let here = format!("{at}.servers[{i}]");
            if let Err(problem) = net_checks::server(server) {
                report.push(here, problem);
                continue;
            }
            match seen.entry(server.as_str()) {
                Entry::Occupied(first) => report.push(
                    here,
                    Problem::Duplicate { value: server.clone(), first: format!("{at}.servers[{}]", first.get()) },
                ),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
    }
}
