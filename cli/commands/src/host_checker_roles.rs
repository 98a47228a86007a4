//! `host-checker role NAME` → `(config-hc-role)#` (`policy`, `service`, `activesync`,
//! `user`), `host-checker realm-policy P` in CONFIG mode, and `show host-checker roles`
//! (H4).

use crate::actions::*;
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::{ArgKind, Invocation, Node, Value};
use postern_config::HostCheckerRole;

const NAME: ArgKind = ArgKind::Word { max_len: 32 };
const WORD: ArgKind = ArgKind::Word { max_len: 64 };

/// The commands under `host-checker` in CONFIG mode.
pub(crate) fn config_nodes() -> [Node; 2] {
    [
        Node::keyword("role", "Configure a role: its policies, resources and users")
            .child(Node::arg("NAME", NAME, "Role name: a-z 0-9 - _").both(HC_ROLE).enters(MODE_HC_ROLE)),
        Node::keyword("realm-policy", "A policy every device must pass before any resource")
            .child(Node::arg("POLICY", NAME, "Host Checker policy name").both(HC_REALM_POLICY)),
    ]
}

/// The commands of `(config-hc-role)#`.
pub(crate) fn role_mode() -> [Node; 4] {
    [
        Node::keyword("policy", "A policy the device must have passed (none: a role without a check)")
            .child(Node::arg("POLICY", NAME, "Host Checker policy name").both(HC_ROLE_POLICY)),
        Node::keyword("service", "An AppTunnel service the role opens")
            .child(Node::arg("SERVICE", WORD, "AppTunnel service name").both(HC_ROLE_SERVICE)),
        Node::keyword("activesync", "The role opens the ActiveSync back end").both(HC_ROLE_ACTIVESYNC),
        Node::keyword("user", "A user mapped to the role").child(
            Node::arg("USER", ArgKind::Word { max_len: 256 }, "User name, *@DOMAIN (its users) or * (everyone)")
                .both(HC_ROLE_USER),
        ),
    ]
}

fn text<'a>(inv: &Invocation<'a>, name: &str) -> Result<&'a str, postern_cli_engine::CommandError> {
    inv.arg(name).and_then(Value::as_str).ok_or_else(|| failed(format!("{name} is missing")))
}

fn toggle(list: &mut Vec<String>, value: &str, remove: bool) {
    list.retain(|v| v != value);
    if !remove {
        list.push(value.to_owned());
    }
}

/// Applies one role or realm command to the candidate.
pub(crate) fn edit(session: &mut CliBackend, inv: &Invocation<'_>) -> Outcome {
    let no = inv.negated();
    let settings = &mut session.candidate().config_mut().host_checker;
    match inv.action() {
        HC_REALM_POLICY => toggle(&mut settings.realm_policies, text(inv, "POLICY")?, no),
        HC_ROLE => {
            let name = text(inv, "NAME")?;
            if no {
                settings.roles.retain(|r| r.name != name);
            } else if !settings.roles.iter().any(|r| r.name == name) {
                settings.roles.push(HostCheckerRole { name: name.into(), ..HostCheckerRole::default() });
            }
        }
        action => {
            let name = inv
                .path()
                .iter()
                .rev()
                .find(|f| f.sub_mode == MODE_HC_ROLE)
                .and_then(|f| f.arg("NAME"))
                .and_then(Value::as_str)
                .ok_or_else(|| failed("not inside a host-checker role"))?;
            let role = settings
                .roles
                .iter_mut()
                .find(|r| r.name == name)
                .ok_or_else(|| failed(format!("role {name} is not in the candidate")))?;
            match action {
                HC_ROLE_POLICY => toggle(&mut role.policies, text(inv, "POLICY")?, no),
                HC_ROLE_SERVICE => toggle(&mut role.services, text(inv, "SERVICE")?, no),
                HC_ROLE_ACTIVESYNC => role.activesync = !no,
                HC_ROLE_USER => {
                    let user = text(inv, "USER")?;
                    postern_host_checker::UserMatch::parse(user)
                        .ok_or_else(|| failed(format!("{user:?} is not a user name, *@DOMAIN or *")))?;
                    toggle(&mut role.users, user, no);
                }
                _ => return Err(failed("this command is not available")),
            }
        }
    }
    Ok(())
}

/// `show host-checker roles`: the committed realm policies and roles, the policies'
/// shorthand included as the roles it stands for.
pub(crate) fn show(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    let store = session.appliance().store();
    let rules = store.running().host_checker.access_rules();
    match rules.realm_policies.is_empty() {
        true => writeln!(out, "realm policies: none")?,
        false => writeln!(out, "realm policies: {}", rules.realm_policies.join(", "))?,
    }
    if rules.roles.is_empty() {
        writeln!(out, "No roles: every resource is open to the devices the gateway allows.")?;
    }
    for role in &rules.roles {
        let mut opens: Vec<String> = role.services.iter().map(|s| format!("service {s}")).collect();
        if role.activesync {
            opens.push("activesync".into());
        }
        let users: Vec<String> = role.users.iter().map(user_text).collect();
        let policies = if role.policies.is_empty() { "none (no check)".to_owned() } else { role.policies.join(", ") };
        writeln!(out, "role {}", role.name)?;
        writeln!(out, "  policies: {policies}")?;
        writeln!(out, "  opens: {}", opens.join(", "))?;
        writeln!(out, "  users: {}", users.join(", "))?;
    }
    Ok(())
}

fn user_text(user: &postern_host_checker::UserMatch) -> String {
    match user {
        postern_host_checker::UserMatch::Everyone => "*".into(),
        postern_host_checker::UserMatch::Domain(domain) => format!("*@{domain}"),
        postern_host_checker::UserMatch::User(user) => user.clone(),
    }
}

/// Their lines in `show running-config`.
pub(crate) fn render(settings: &postern_config::HostCheckerSettings, line: &mut impl FnMut(String)) {
    for policy in &settings.realm_policies {
        line(format!("host-checker realm-policy {policy}"));
    }
    for role in &settings.roles {
        line(format!("host-checker role {}", role.name));
        for policy in &role.policies {
            line(format!(" policy {policy}"));
        }
        for service in &role.services {
            line(format!(" service {service}"));
        }
        if role.activesync {
            line(" activesync".into());
        }
        for user in &role.users {
            line(format!(" user {user}"));
        }
        line("!".into());
    }
}
