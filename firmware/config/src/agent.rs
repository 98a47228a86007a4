//! `[agent]`: the endpoint agents' control channel (Z1) and the protected resources it
//! announces.

use crate::apptunnel::AppTunnelSettings;
use crate::checks;
use crate::validation::{Problem, Report};
use postern_agent_wire::{
    MAX_NAMES, MAX_NAMES_TOTAL, MAX_PORTS, MAX_PREFIXES, MAX_RESOURCES, Prefix, Resource, WireError, check_dns_name,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// The default TCP port of the agents' control channel.
pub const AGENT_PORT: u16 = 4443;
/// The longest resource name, in bytes.
pub const AGENT_RESOURCE_NAME_MAX: usize = 64;

/// `[agent]`: whether agents may connect, where, and what they are told is protected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentSettings {
    /// Whether the control channel listens. Default `false`. Needs
    /// `apptunnel.client_ca_file`: agents authenticate with their device certificate.
    /// Applies at commit (posternd starts or stops the listener).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enabled: bool,
    /// TCP port of the control channel on every address. Default 4443; 1 to 65535;
    /// applies at commit (the listener moves; sessions open on the old port stay).
    pub port: u16,
    /// The protected resources (`[[agent.resources]]`), sent to every agent at once when
    /// a commit changes them. Default: none. At most 256, names unique.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<AgentResource>,
}

impl Default for AgentSettings {
    fn default() -> Self {
        Self { enabled: false, port: AGENT_PORT, resources: Vec::new() }
    }
}

/// One protected resource.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AgentResource {
    /// 1 to 64 ASCII letters, digits, `-`, `_` and `.`; unique.
    pub name: String,
    /// Destination prefixes, each `ADDRESS/LENGTH` with no host bits set; 1 to 32.
    pub prefixes: Vec<String>,
    /// Destination ports, 1 to 65535; at most 32; none means every port.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<u16>,
    /// The AppTunnel service (by name) the traffic is carried to; required.
    pub service: String,
    /// DNS names the agents' split DNS answers for this resource: lower-case host names
    /// (`intranet.corp.example`) or wildcards (`*.corp.example`); at most 16, 240 over
    /// all resources, each in one resource only. Default: none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
}

impl AgentSettings {
    pub(crate) fn check(&self, at: &str, apptunnel: &AppTunnelSettings, report: &mut Report) {
        if self.port == 0 {
            report.check(at, "port", Err(Problem::BelowMin { value: 0, min: 1 }));
        }
        if self.enabled && apptunnel.client_ca_file.is_none() {
            report.check(
                at,
                "enabled",
                Err(Problem::Requires {
                    value: "true".into(),
                    requirement: "apptunnel.client_ca_file: agents authenticate with their device certificate".into(),
                }),
            );
        }
        if self.resources.len() > MAX_RESOURCES {
            report.check(at, "resources", Err(Problem::TooLong { len: self.resources.len(), max: MAX_RESOURCES }));
        }
        let mut names: HashMap<&str, usize> = HashMap::new();
        let mut dns_names: HashMap<&str, String> = HashMap::new();
        let total: usize = self.resources.iter().map(|r| r.names.len()).sum();
        if total > MAX_NAMES_TOTAL {
            report.check(at, "resources", Err(Problem::TooLong { len: total, max: MAX_NAMES_TOTAL }));
        }
        for (i, resource) in self.resources.iter().enumerate() {
            for (j, name) in resource.names.iter().enumerate() {
                let here = format!("{at}.resources[{i}].names[{j}]");
                match dns_names.entry(name.as_str()) {
                    Entry::Occupied(first) => {
                        report.push(here, Problem::Duplicate { value: name.clone(), first: first.get().clone() })
                    }
                    Entry::Vacant(slot) => {
                        slot.insert(here);
                    }
                }
            }
            let here = format!("{at}.resources[{i}]");
            resource.check(&here, apptunnel, report);
            match names.entry(resource.name.as_str()) {
                Entry::Occupied(first) => report.push(
                    format!("{here}.name"),
                    Problem::Duplicate {
                        value: resource.name.clone(),
                        first: format!("{at}.resources[{}].name", first.get()),
                    },
                ),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
    }

    /// The resources as the control channel carries them; entries that do not validate
    /// are left out (a commit refuses them).
    pub fn wire_resources(&self) -> Vec<Resource> {
        self.resources
            .iter()
            .filter_map(|r| {
                let prefixes = r.prefixes.iter().map(|p| p.parse::<Prefix>()).collect::<Result<Vec<_>, _>>().ok()?;
                let resource = Resource {
                    name: r.name.clone(),
                    service: r.service.clone(),
                    prefixes,
                    ports: r.ports.clone(),
                    names: r.names.clone(),
                };
                resource.check().is_ok().then_some(resource)
            })
            .collect()
    }
}

impl AgentResource {
    fn check(&self, at: &str, apptunnel: &AppTunnelSettings, report: &mut Report) {
        let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
        report.check(
            at,
            "name",
            checks::charset(
                &self.name,
                AGENT_RESOURCE_NAME_MAX,
                name_char,
                "only ASCII letters, digits, '-', '_' and '.' are allowed",
            ),
        );
        if !apptunnel.services.iter().any(|s| s.name == self.service) {
            report.check(
                at,
                "service",
                Err(Problem::Requires {
                    value: self.service.clone(),
                    requirement: "an AppTunnel service of that name".into(),
                }),
            );
        }
        if self.prefixes.is_empty() {
            report.check(at, "prefixes", Err(Problem::Empty));
        }
        if self.prefixes.len() > MAX_PREFIXES {
            report.check(at, "prefixes", Err(Problem::TooLong { len: self.prefixes.len(), max: MAX_PREFIXES }));
        }
        for (i, prefix) in self.prefixes.iter().enumerate() {
            if let Err(postern_agent_wire::WireError::Invalid { detail, .. }) = prefix.parse::<Prefix>() {
                report.push(
                    format!("{at}.prefixes[{i}]"),
                    Problem::BadAddress { expected: "prefix (like 10.1.0.0/16)", reason: detail },
                );
            }
        }
        if self.ports.len() > MAX_PORTS {
            report.check(at, "ports", Err(Problem::TooLong { len: self.ports.len(), max: MAX_PORTS }));
        }
        for (i, port) in self.ports.iter().enumerate() {
            if *port == 0 {
                report.push(format!("{at}.ports[{i}]"), Problem::BelowMin { value: 0, min: 1 });
            }
        }
        if self.names.len() > MAX_NAMES {
            report.check(at, "names", Err(Problem::TooLong { len: self.names.len(), max: MAX_NAMES }));
        }
        for (i, name) in self.names.iter().enumerate() {
            let reason = match check_dns_name(name) {
                Ok(()) => continue,
                Err(WireError::Invalid { detail, .. }) => detail,
                Err(_) => "longer than 253 bytes",
            };
            report.push(
                format!("{at}.names[{i}]"),
                Problem::BadAddress { expected: "DNS name (like intranet.corp.example or *.corp.example)", reason },
            );
        }
    }
}
