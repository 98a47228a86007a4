//! `[[host_checker.roles]]` and `host_checker.realm_policies` (H4): which resources a
//! device reaches, by the policies it passed and the roles its user is mapped to. The
//! policies' `required_for_services` / `required_for_activesync` are shorthand for roles
//! mapped to every user; both meet in one engine (`postern_host_checker::AccessRules`).

use crate::host_checker::HostCheckerSettings;
use crate::validation::{Problem, Report};
use postern_host_checker::{AccessRules, Role, UserMatch};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// One role: the policies it requires, the resources it opens, the users mapped to it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HostCheckerRole {
    /// 1 to 32 of `a-z 0-9 - _`; unique.
    pub name: String,
    /// Policies the device's last assessment must have passed; none: a role without a
    /// check.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<String>,
    /// AppTunnel services (by name) the role opens.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,
    /// Whether the role opens the ActiveSync back end.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub activesync: bool,
    /// The users mapped to it: a user name, `*@DOMAIN` (every user of the domain) or
    /// `*` (every user, and devices whose user is not known); at least one.
    pub users: Vec<String>,
}

/// The implicit role of a policy shorthand for `resource` (`:` never appears in a
/// configured role's name).
fn shorthand_name(resource: &str) -> String {
    format!("required-for:{resource}")
}

impl HostCheckerSettings {
    /// The realm policies and every role, the shorthand's first (in order of the
    /// services' first mention), then the configured ones; invalid entries (which
    /// `commit` refuses) are left out.
    pub fn access_rules(&self) -> AccessRules {
        let mut roles: Vec<Role> = Vec::new();
        for policy in &self.policies {
            for service in &policy.required_for_services {
                let name = shorthand_name(service);
                match roles.iter_mut().find(|r| r.name == name) {
                    Some(role) => role.policies.push(policy.name.clone()),
                    None => roles.push(Role {
                        name,
                        policies: vec![policy.name.clone()],
                        services: vec![service.clone()],
                        activesync: false,
                        users: vec![UserMatch::Everyone],
                    }),
                }
            }
        }
        let activesync: Vec<String> =
            self.policies.iter().filter(|p| p.required_for_activesync).map(|p| p.name.clone()).collect();
        if !activesync.is_empty() {
            roles.push(Role {
                name: shorthand_name("activesync"),
                policies: activesync,
                services: Vec::new(),
                activesync: true,
                users: vec![UserMatch::Everyone],
            });
        }
        roles.extend(self.roles.iter().map(|r| Role {
            name: r.name.clone(),
            policies: r.policies.clone(),
            services: r.services.clone(),
            activesync: r.activesync,
            users: r.users.iter().filter_map(|u| UserMatch::parse(u)).collect(),
        }));
        AccessRules { realm_policies: self.realm_policies.clone(), roles }
    }

    pub(crate) fn check_roles(&self, at: &str, apptunnel: &crate::apptunnel::AppTunnelSettings, report: &mut Report) {
        let known_policy = |name: &str| self.policies.iter().any(|p| p.name == name);
        let needs_enabled = |report: &mut Report, here: &str, field: &str, value: &str| {
            if !self.enabled {
                report.check(
                    here,
                    field,
                    Err(Problem::Requires {
                        value: value.to_owned(),
                        requirement: "host_checker.enabled: no device could pass".into(),
                    }),
                );
            }
        };
        let unknown_policy = |value: &str| Problem::Requires {
            value: value.to_owned(),
            requirement: "a Host Checker policy of that name".into(),
        };
        for (i, policy) in self.realm_policies.iter().enumerate() {
            let field = format!("realm_policies[{i}]");
            if !known_policy(policy) {
                report.check(at, &field, Err(unknown_policy(policy)));
            }
            needs_enabled(report, at, &field, policy);
        }
        let mut names = HashSet::new();
        for (i, role) in self.roles.iter().enumerate() {
            let here = format!("{at}.roles[{i}]");
            let name_ok = !role.name.is_empty()
                && role.name.len() <= 32
                && role.name.bytes().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-' || c == b'_');
            if !name_ok {
                report.push(
                    format!("{here}.name"),
                    Problem::BadPolicy { reason: format!("role name {:?}: use 1-32 of a-z 0-9 - _", role.name) },
                );
            } else if !names.insert(role.name.as_str()) {
                report.push(
                    format!("{here}.name"),
                    Problem::Duplicate { value: role.name.clone(), first: "another role".into() },
                );
            }
            for (j, policy) in role.policies.iter().enumerate() {
                let field = format!("policies[{j}]");
                if !known_policy(policy) {
                    report.check(&here, &field, Err(unknown_policy(policy)));
                }
                needs_enabled(report, &here, &field, policy);
            }
            for (j, service) in role.services.iter().enumerate() {
                if !apptunnel.services.iter().any(|s| s.name == *service) {
                    report.check(
                        &here,
                        &format!("services[{j}]"),
                        Err(Problem::Requires {
                            value: service.clone(),
                            requirement: "an AppTunnel service of that name".into(),
                        }),
                    );
                }
            }
            if role.services.is_empty() && !role.activesync {
                report.push(
                    here.clone(),
                    Problem::BadPolicy {
                        reason: format!("role {}: opens nothing; give it a service or activesync", role.name),
                    },
                );
            }
            if role.users.is_empty() {
                report.push(
                    here.clone(),
                    Problem::BadPolicy {
                        reason: format!("role {}: maps no user; add a user, *@DOMAIN or *", role.name),
                    },
                );
            }
            for (j, user) in role.users.iter().enumerate() {
                if UserMatch::parse(user).is_none() {
                    report.push(
                        format!("{here}.users[{j}]"),
                        Problem::BadPolicy { reason: format!("user {user:?}: use a user name, *@DOMAIN or *") },
                    );
                }
            }
        }
    }
}
