//! Host Checker commands: the verifier's settings and policies in CONFIG mode, and
//! `show host-checker policies|results [DEVICE]|sessions`.

use crate::actions::*;
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::{ArgKind, Invocation, Node, Value};
use postern_config::HostCheckerPolicy;
use postern_host_checker::{PlatformMatch, SoftwareRule};

/// Renders `show host-checker results [DEVICE]` from the running verifier.
pub type HostCheckerStatus = Box<dyn Fn(Option<&str>) -> String + Send + Sync>;

const WORD: ArgKind = ArgKind::Word { max_len: 64 };
const RULE: ArgKind = ArgKind::Rest { max_len: 512 };

/// `host-checker …` in CONFIG mode.
pub(crate) fn config_node() -> Node {
    Node::keyword("host-checker", "Endpoint posture verifier (PT-TLS) and its policies")
        .children([
            Node::keyword("enabled", "Listen for posture collectors (needs apptunnel client-ca)").both(HC_ENABLED),
            Node::keyword("recheck-interval", "Ask open sessions for a new assessment this long after each decision")
                .no_action(HC_RECHECK)
                .child(Node::arg("SECONDS", ArgKind::Integer { min: 5, max: 86_400 }, "Seconds").action(HC_RECHECK)),
            Node::keyword("port", "TCP port of the verifier (moves at commit; open sessions stay)").child(
                Node::arg("PORT", ArgKind::Integer { min: 1, max: 65_535 }, "Port (PT-TLS: 271)").action(HC_PORT),
            ),
            Node::keyword("policy", "Configure a Host Checker policy").child(
                Node::arg("NAME", ArgKind::Word { max_len: 32 }, "Policy name: a-z 0-9 - _")
                    .both(HC_POLICY)
                    .enters(MODE_HC_POLICY),
            ),
        ])
        .children(crate::host_checker_patch_list::config_nodes())
        .children(crate::host_checker_webhook::config_nodes())
        .children(crate::host_checker_sasl::config_nodes())
        .children(crate::host_checker_roles::config_nodes())
}

/// The commands of `(config-hc-policy)#`.
pub(crate) fn policy_mode() -> [Node; 11] {
    [
        Node::keyword("platform", "A platform the policy checks").child(
            Node::arg("PLATFORM", WORD, "linux, linux:<os-release ID>, windows, macos, android or ios")
                .both(HC_PLATFORM),
        ),
        Node::keyword("min-os-version", "Lowest OS version")
            .no_action(HC_MIN_OS)
            .child(Node::arg("VERSION", WORD, "Version, e.g. 12 or 22.04").action(HC_MIN_OS)),
        Node::keyword("require", "Software that must be installed")
            .child(Node::arg("RULE", RULE, "NAME [>= MIN] [< BELOW]").both(HC_REQUIRE)),
        Node::keyword("forbid", "Software that must not be installed")
            .child(Node::arg("RULE", RULE, "NAME [>= MIN] [< BELOW]").both(HC_FORBID)),
        Node::keyword("deny-forwarding", "Fail endpoints whose IP forwarding is on or unknown")
            .both(HC_DENY_FORWARDING),
        Node::keyword("remediation-url", "Where to get fixes, shown with every failed check")
            .no_action(HC_REMEDIATION_URL)
            .child(Node::arg("URL", ArgKind::Word { max_len: 2048 }, "https URL").action(HC_REMEDIATION_URL)),
        Node::keyword("required-for-service", "An AppTunnel service that admits only devices passing this policy")
            .child(Node::arg("SERVICE", WORD, "AppTunnel service name").both(HC_REQUIRED_SERVICE)),
        Node::keyword("required-for-activesync", "The ActiveSync back end admits only devices passing this policy")
            .both(HC_REQUIRED_ACTIVESYNC),
        Node::keyword("monitor-product", "A product that must carry every patch of the patch list")
            .child(Node::arg("PRODUCT", WORD, "Package or product name").both(HC_MONITOR_PRODUCT)),
        Node::keyword("monitor-patch", "An advisory of the patch list that must be applied")
            .child(Node::arg("ID", WORD, "Advisory id, e.g. DSA-5678-1").both(HC_MONITOR_PATCH)),
        Node::keyword("ignore-severity", "Patches of this severity are not required").child(
            Node::arg("SEVERITY", ArgKind::OneOf(&["low", "moderate", "important", "critical"]), "Severity")
                .both(HC_IGNORE_SEVERITY),
        ),
    ]
}

/// `show host-checker …` in EXEC modes.
pub(crate) fn show_node() -> Node {
    Node::keyword("host-checker", "Endpoint posture: policies and results").children([
        Node::keyword("policies", "The committed Host Checker policies").action(HC_SHOW_POLICIES),
        Node::keyword("results", "The last posture decision per device")
            .action(HC_SHOW_RESULTS)
            .child(Node::arg("DEVICE", WORD, "UEM device id").action(HC_SHOW_RESULTS)),
        crate::host_checker_patch_list::show_node(),
        Node::keyword("sessions", "The collectors connected now").action(HC_SHOW_SESSIONS),
        Node::keyword("roles", "The realm policies and roles in force").action(HC_SHOW_ROLES),
    ])
}

fn text<'a>(inv: &Invocation<'a>, name: &str) -> Result<&'a str, postern_cli_engine::CommandError> {
    inv.arg(name).and_then(Value::as_str).ok_or_else(|| failed(format!("{name} is missing")))
}

/// Replaces or removes `value` in `list`.
fn toggle(list: &mut Vec<String>, value: String, remove: bool) {
    list.retain(|v| *v != value);
    if !remove {
        list.push(value);
    }
}

/// Applies one Host Checker editing command to the candidate.
pub(crate) fn edit(session: &mut CliBackend, inv: &Invocation<'_>) -> Outcome {
    let no = inv.negated();
    let settings = &mut session.candidate().config_mut().host_checker;
    match inv.action() {
        HC_ENABLED => settings.enabled = !no,
        HC_PORT => {
            settings.port = inv
                .arg("PORT")
                .and_then(Value::as_integer)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| failed("PORT is out of range"))?;
        }
        HC_RECHECK => {
            settings.recheck_interval_secs = if no {
                0
            } else {
                inv.arg("SECONDS")
                    .and_then(Value::as_integer)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or_else(|| failed("SECONDS is out of range"))?
            }
        }
        HC_POLICY => {
            let name = text(inv, "NAME")?;
            if no {
                settings.policies.retain(|p| p.name != name);
            } else if !settings.policies.iter().any(|p| p.name == name) {
                settings.policies.push(HostCheckerPolicy { name: name.into(), ..HostCheckerPolicy::default() });
            }
        }
        action => {
            let name = inv
                .path()
                .iter()
                .rev()
                .find(|f| f.sub_mode == MODE_HC_POLICY)
                .and_then(|f| f.arg("NAME"))
                .and_then(Value::as_str)
                .ok_or_else(|| failed("not inside a host-checker policy"))?;
            let policy = settings
                .policies
                .iter_mut()
                .find(|p| p.name == name)
                .ok_or_else(|| failed(format!("policy {name} is not in the candidate")))?;
            match action {
                HC_PLATFORM => {
                    let platform = text(inv, "PLATFORM")?;
                    PlatformMatch::parse(platform).ok_or_else(|| {
                        failed(format!(
                            "{platform:?} is not linux, linux:<os-release ID>, windows, macos, android or ios"
                        ))
                    })?;
                    toggle(&mut policy.platforms, platform.into(), no);
                }
                HC_MIN_OS => policy.min_os_version = if no { None } else { Some(text(inv, "VERSION")?.into()) },
                HC_REQUIRE | HC_FORBID => {
                    let rule = SoftwareRule::parse(text(inv, "RULE")?).map_err(failed)?.to_string();
                    let list = if action == HC_REQUIRE { &mut policy.required } else { &mut policy.forbidden };
                    toggle(list, rule, no);
                }
                HC_DENY_FORWARDING => policy.deny_forwarding = !no,
                HC_REMEDIATION_URL => policy.remediation_url = if no { None } else { Some(text(inv, "URL")?.into()) },
                HC_REQUIRED_SERVICE => toggle(&mut policy.required_for_services, text(inv, "SERVICE")?.into(), no),
                HC_MONITOR_PRODUCT => toggle(&mut policy.monitor_products, text(inv, "PRODUCT")?.into(), no),
                HC_MONITOR_PATCH => toggle(&mut policy.monitor_patches, text(inv, "ID")?.into(), no),
                HC_REQUIRED_ACTIVESYNC => policy.required_for_activesync = !no,
                HC_IGNORE_SEVERITY => toggle(&mut policy.ignore_severities, text(inv, "SEVERITY")?.into(), no),
                _ => return Err(failed("this command is not available")),
            }
        }
    }
    Ok(())
}

/// `show host-checker policies` and `show host-checker results [DEVICE]`.
pub(crate) fn show(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let enabled = session.appliance().store().running().host_checker.enabled;
    if inv.action() == HC_SHOW_SESSIONS {
        match session.appliance().host_checker_sessions() {
            Some(_) if !enabled => writeln!(
                out,
                "The Host Checker verifier is disabled: it accepts no sessions (`host-checker enabled` in CONFIG mode starts it)."
            )?,
            Some(table) => out.write_str(&table)?,
            None => writeln!(
                out,
                "The Host Checker verifier is not running (it needs apptunnel client-ca when posternd starts: set it, then reload)."
            )?,
        }
        return Ok(());
    }
    if inv.action() == HC_SHOW_RESULTS {
        let device = inv.arg("DEVICE").and_then(Value::as_str);
        match session.appliance().host_checker_results(device) {
            Some(table) => {
                if !enabled {
                    writeln!(out, "The Host Checker verifier is disabled; these results are kept from when it ran.")?;
                }
                out.write_str(&table)?;
            }
            None => writeln!(
                out,
                "The Host Checker verifier is not running (it needs apptunnel client-ca when posternd starts: set it, then reload)."
            )?,
        }
        return Ok(());
    }
    let store = session.appliance().store();
    let settings = &store.running().host_checker;
    let state = if settings.enabled { "enabled" } else { "disabled" };
    writeln!(
        out,
        "Host Checker {state}, PT-TLS port {}, {} polic{}",
        settings.port,
        settings.policies.len(),
        if settings.policies.len() == 1 { "y" } else { "ies" }
    )?;
    for p in &settings.policies {
        writeln!(out, "policy {} (platforms: {})", p.name, p.platforms.join(", "))?;
        if let Some(v) = &p.min_os_version {
            writeln!(out, "  min-os-version {v}")?;
        }
        for r in &p.required {
            writeln!(out, "  require {r}")?;
        }
        for r in &p.forbidden {
            writeln!(out, "  forbid {r}")?;
        }
        if p.deny_forwarding {
            writeln!(out, "  deny-forwarding")?;
        }
        if let Some(url) = &p.remediation_url {
            writeln!(out, "  remediation-url {url}")?;
        }
        for service in &p.required_for_services {
            writeln!(out, "  required-for-service {service}")?;
        }
        if p.required_for_activesync {
            writeln!(out, "  required-for-activesync")?;
        }
        for product in &p.monitor_products {
            writeln!(out, "  monitor-product {product}")?;
        }
        for id in &p.monitor_patches {
            writeln!(out, "  monitor-patch {id}")?;
        }
        for severity in &p.ignore_severities {
            writeln!(out, "  ignore-severity {severity}")?;
        }
    }
    Ok(())
}

/// `host-checker …` lines of `show running-config`.
pub(crate) fn render(settings: &postern_config::HostCheckerSettings, line: &mut impl FnMut(String)) {
    line(format!("host-checker port {}", settings.port));
    if settings.recheck_interval_secs > 0 {
        line(format!("host-checker recheck-interval {}", settings.recheck_interval_secs));
    }
    if settings.enabled {
        line("host-checker enabled".into());
    }
    crate::host_checker_patch_list::render(settings, line);
    crate::host_checker_webhook::render(settings, line);
    crate::host_checker_sasl::render(settings, line);
    for p in &settings.policies {
        line(format!("host-checker policy {}", p.name));
        for platform in &p.platforms {
            line(format!(" platform {platform}"));
        }
        if let Some(v) = &p.min_os_version {
            line(format!(" min-os-version {v}"));
        }
        for r in &p.required {
            line(format!(" require {r}"));
        }
        for r in &p.forbidden {
            line(format!(" forbid {r}"));
        }
        if p.deny_forwarding {
            line(" deny-forwarding".into());
        }
        if let Some(url) = &p.remediation_url {
            line(format!(" remediation-url {url}"));
        }
        for service in &p.required_for_services {
            line(format!(" required-for-service {service}"));
        }
        if p.required_for_activesync {
            line(" required-for-activesync".into());
        }
        for product in &p.monitor_products {
            line(format!(" monitor-product {product}"));
        }
        for id in &p.monitor_patches {
            line(format!(" monitor-patch {id}"));
        }
        for severity in &p.ignore_severities {
            line(format!(" ignore-severity {severity}"));
        }
        line("!".into());
    }
    crate::host_checker_roles::render(settings, line);
}
