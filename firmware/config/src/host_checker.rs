//! `[host_checker]`: the PT-TLS verifier of endpoint posture and its policies.

use crate::checks;
use crate::validation::{Problem, Report};
use postern_host_checker::{Monitor, PlatformMatch, Policy, Severity, SoftwareRule};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::path::PathBuf;

/// The IANA port of PT-TLS (RFC 6876).
pub const HOST_CHECKER_PORT: u16 = 271;

/// `[host_checker]`: whether the verifier listens, where, and the policies it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostCheckerSettings {
    /// Whether the PT-TLS verifier listens. Default `false`. Needs
    /// `apptunnel.client_ca_file`: clients authenticate with their device certificate.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub enabled: bool,
    /// TCP port of the verifier on every address. Default 271 (PT-TLS); 1 to 65535;
    /// applies at commit (the listener moves; sessions open on the old port stay).
    pub port: u16,
    /// The policies (`[[host_checker.policies]]`), every one applied to the endpoints of
    /// the platforms it names. Default: none, and every endpoint is denied with "no
    /// policy can check" its platform. Names must be unique.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<HostCheckerPolicy>,
    /// Staging URL (https) of the vendor patch list, fetched every
    /// `patch_list_interval_secs`; default none (the list is imported by hand).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_list_url: Option<String>,
    /// The authorities trusted for the staging server's certificate (PEM); required with
    /// `patch_list_url`, and the only ones trusted for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub patch_list_ca_file: Option<PathBuf>,
    /// Seconds between fetches of `patch_list_url`. Default 3600; 5 to 604 800.
    pub patch_list_interval_secs: u32,
    /// Seconds after a decision before the verifier asks a collector whose session stays
    /// open for a new assessment (PB-TNC SRETRY). Default 0: never; else 5 to 86 400.
    #[serde(skip_serializing_if = "is_zero")]
    pub recheck_interval_secs: u32,
    /// HTTPS URL that gets a JSON POST per failed check (H6), retried with back-off;
    /// default none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation_webhook_url: Option<String>,
    /// The authorities trusted for the webhook's certificate (PEM); required with
    /// `remediation_webhook_url`, and the only ones trusted for it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation_webhook_ca_file: Option<PathBuf>,
    /// SASL PLAIN on the PT-TLS listener (`[host_checker.sasl]`); default off.
    #[serde(skip_serializing_if = "crate::HostCheckerSasl::is_default")]
    pub sasl: crate::HostCheckerSasl,
    /// Policies every device must have passed before it reaches any resource (realm
    /// level, H4), whatever its roles; default none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub realm_policies: Vec<String>,
    /// The roles (`[[host_checker.roles]]`, H4): a resource some role opens admits a
    /// device only through a role of its user whose policies it passed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<crate::host_checker_roles::HostCheckerRole>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Default seconds between patch-list fetches.
pub const PATCH_LIST_INTERVAL_SECS: u32 = 3600;
const PATCH_LIST_INTERVAL_MIN: u32 = 5;
const PATCH_LIST_INTERVAL_MAX: u32 = 7 * 24 * 3600;

impl Default for HostCheckerSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            port: HOST_CHECKER_PORT,
            policies: Vec::new(),
            patch_list_url: None,
            patch_list_ca_file: None,
            patch_list_interval_secs: PATCH_LIST_INTERVAL_SECS,
            recheck_interval_secs: 0,
            remediation_webhook_url: None,
            remediation_webhook_ca_file: None,
            sasl: crate::HostCheckerSasl::default(),
            realm_policies: Vec::new(),
            roles: Vec::new(),
        }
    }
}

/// One policy as configured; see docs/host-checker.md for each rule.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostCheckerPolicy {
    /// 1 to 32 of `a-z 0-9 - _`.
    pub name: String,
    /// `linux`, `linux:<os-release ID>`, `windows`, `macos`, `android`, `ios`; at least one.
    pub platforms: Vec<String>,
    /// Lowest OS version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_os_version: Option<String>,
    /// Software that must be installed: `NAME [>= MIN] [< BELOW]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required: Vec<String>,
    /// Software that must not be installed: `NAME [>= MIN] [< BELOW]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forbidden: Vec<String>,
    /// Products whose every patch-list fix must be installed (fails every endpoint while
    /// no patch list is imported).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub monitor_products: Vec<String>,
    /// Advisories (patch-list ids) that must be applied; never together with
    /// `monitor_products`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub monitor_patches: Vec<String>,
    /// Severities whose patches `monitor_*` does not require: `low`, `moderate`,
    /// `important`, `critical` (`medium` and `high` read as moderate and important).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore_severities: Vec<String>,
    /// Fail endpoints whose IP forwarding is on or unknown.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub deny_forwarding: bool,
    /// Where to get fixes, added to every failed check's remediation text (https).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remediation_url: Option<String>,
    /// AppTunnel services (by name) that admit a device only while its last assessment
    /// passed this policy; others get `403 posture-failed:<policy>`. Needs `enabled`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub required_for_services: Vec<String>,
    /// The ActiveSync back end admits a device only while its UEM device's last
    /// assessment passed this policy; others get `403 posture-failed:<policy>`. Needs
    /// `enabled`.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub required_for_activesync: bool,
}

impl HostCheckerPolicy {
    /// The engine's policy, or what is wrong with it.
    pub fn to_policy(&self) -> Result<Policy, String> {
        let platforms = self
            .platforms
            .iter()
            .map(|p| {
                PlatformMatch::parse(p).ok_or_else(|| {
                    format!("platform {p:?}: use linux, linux:<os-release ID>, windows, macos, android or ios")
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let rules = |list: &[String]| {
            list.iter()
                .map(|r| SoftwareRule::parse(r).map_err(|e| format!("rule {r:?}: {e}")))
                .collect::<Result<Vec<_>, _>>()
        };
        let policy = Policy {
            min_os_version: self.min_os_version.clone(),
            required: rules(&self.required)?,
            forbidden: rules(&self.forbidden)?,
            monitor: Monitor::from_lists(&self.name, self.monitor_products.clone(), self.monitor_patches.clone())
                .map_err(|e| e.to_string())?,
            ignore_severities: self
                .ignore_severities
                .iter()
                .map(|s| {
                    Severity::parse(s).ok_or_else(|| {
                        format!("severity {s:?}: use low, moderate (medium), important (high) or critical")
                    })
                })
                .collect::<Result<_, _>>()?,
            deny_forwarding: self.deny_forwarding,
            remediation_url: self.remediation_url.clone(),
            ..Policy::new(&self.name, platforms)
        };
        policy.validate().map_err(|e| e.to_string())?;
        Ok(policy)
    }
}

impl HostCheckerSettings {
    /// The engine's policies; the invalid ones (which `commit` refuses) are left out.
    pub fn engine_policies(&self) -> Vec<Policy> {
        self.policies.iter().filter_map(|p| p.to_policy().ok()).collect()
    }

    pub(crate) fn check(&self, at: &str, apptunnel: &crate::apptunnel::AppTunnelSettings, report: &mut Report) {
        let client_ca = apptunnel.client_ca_file.is_some();
        if self.port == 0 {
            report.check(at, "port", Err(Problem::BelowMin { value: 0, min: 1 }));
        }
        if self.enabled && !client_ca {
            report.check(
                at,
                "enabled",
                Err(Problem::Requires {
                    value: "true".into(),
                    requirement: "apptunnel.client_ca_file: devices authenticate with their certificate".into(),
                }),
            );
        }
        self.check_patch_list_source(at, report);
        self.sasl.check(at, report);
        self.check_roles(at, apptunnel, report);
        let mut names: HashMap<&str, usize> = HashMap::new();
        for (i, policy) in self.policies.iter().enumerate() {
            let here = format!("{at}.policies[{i}]");
            if let Some(url) = &policy.remediation_url {
                report.check(&here, "remediation_url", checks::https_url(url));
            }
            for (j, service) in policy.required_for_services.iter().enumerate() {
                let field = format!("required_for_services[{j}]");
                if !apptunnel.services.iter().any(|s| s.name == *service) {
                    report.check(
                        &here,
                        &field,
                        Err(Problem::Requires {
                            value: service.clone(),
                            requirement: "an AppTunnel service of that name".into(),
                        }),
                    );
                } else if !self.enabled {
                    report.check(
                        &here,
                        &field,
                        Err(Problem::Requires {
                            value: service.clone(),
                            requirement: "host_checker.enabled: no device could pass".into(),
                        }),
                    );
                }
            }
            if policy.required_for_activesync && !self.enabled {
                report.check(
                    &here,
                    "required_for_activesync",
                    Err(Problem::Requires {
                        value: "true".into(),
                        requirement: "host_checker.enabled: no device could pass".into(),
                    }),
                );
            }
            if let Err(reason) = policy.to_policy() {
                report.push(here.clone(), Problem::BadPolicy { reason });
            }
            match names.entry(policy.name.as_str()) {
                Entry::Occupied(first) => report.push(
                    format!("{here}.name"),
                    Problem::Duplicate {
                        value: policy.name.clone(),
                        first: format!("{at}.policies[{}].name", first.get()),
                    },
                ),
                Entry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
    }
}

impl HostCheckerSettings {
    fn check_patch_list_source(&self, at: &str, report: &mut Report) {
        if let Some(url) = &self.patch_list_url {
            report.check(at, "patch_list_url", checks::https_url(url));
            if self.patch_list_ca_file.is_none() {
                report.check(
                    at,
                    "patch_list_url",
                    Err(Problem::Requires {
                        value: url.clone(),
                        requirement: "patch_list_ca_file: the staging server's CA is pinned".into(),
                    }),
                );
            }
        }
        if let Some(path) = &self.patch_list_ca_file {
            report.check(at, "patch_list_ca_file", checks::absolute_path(path));
        }
        if let Some(url) = &self.remediation_webhook_url {
            report.check(at, "remediation_webhook_url", checks::https_url(url));
            if self.remediation_webhook_ca_file.is_none() {
                report.check(
                    at,
                    "remediation_webhook_url",
                    Err(Problem::Requires {
                        value: url.clone(),
                        requirement: "remediation_webhook_ca_file: the receiver's CA is pinned".into(),
                    }),
                );
            }
        }
        if let Some(path) = &self.remediation_webhook_ca_file {
            report.check(at, "remediation_webhook_ca_file", checks::absolute_path(path));
        }
        match self.recheck_interval_secs {
            0 | 5..=86_400 => {}
            n @ 1..5 => report.check(at, "recheck_interval_secs", Err(Problem::BelowMin { value: n.into(), min: 5 })),
            n => report.check(at, "recheck_interval_secs", Err(Problem::AboveMax { value: n.into(), max: 86_400 })),
        }
        let secs = self.patch_list_interval_secs;
        if secs < PATCH_LIST_INTERVAL_MIN {
            report.check(
                at,
                "patch_list_interval_secs",
                Err(Problem::BelowMin { value: secs.into(), min: PATCH_LIST_INTERVAL_MIN.into() }),
            );
        } else if secs > PATCH_LIST_INTERVAL_MAX {
            report.check(
                at,
                "patch_list_interval_secs",
                Err(Problem::AboveMax { value: secs.into(), max: PATCH_LIST_INTERVAL_MAX.into() }),
            );
        }
    }
}
