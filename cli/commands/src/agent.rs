//! Endpoint agent commands: the control channel's settings and protected resources in
//! CONFIG mode (`agent enabled`, `agent port`, `agent resource NAME` → prefixes, ports,
//! service, DNS names), and `show agent sessions`.

use crate::actions::*;
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::{ArgKind, Invocation, Node, Value};
use postern_config::AgentResource;

const WORD: ArgKind = ArgKind::Word { max_len: 64 };

/// `agent …` in CONFIG mode.
pub(crate) fn config_node() -> Node {
    Node::keyword("agent", "Endpoint agents' control channel and the protected resources").children([
        Node::keyword("enabled", "Listen for endpoint agents (needs apptunnel client-ca)").both(AGENT_ENABLED),
        Node::keyword("port", "TCP port of the control channel (moves at commit; open sessions stay)").child(
            Node::arg("PORT", ArgKind::Integer { min: 1, max: 65_535 }, "Port (default 4443)").action(AGENT_PORT),
        ),
        Node::keyword("resource", "Configure a protected resource (sent to agents at commit)").child(
            Node::arg("NAME", WORD, "Resource name: letters, digits, - _ .")
                .both(AGENT_RESOURCE)
                .enters(MODE_AGENT_RESOURCE),
        ),
    ])
}

/// The commands of `(config-agent-resource)#`.
pub(crate) fn resource_mode() -> [Node; 4] {
    [
        Node::keyword("prefix", "A destination prefix the resource covers")
            .child(Node::arg("PREFIX", WORD, "ADDRESS/LENGTH, e.g. 10.1.0.0/16").both(AGENT_PREFIX)),
        Node::keyword("port", "A destination port the resource covers (none: every port)")
            .child(Node::arg("PORT", ArgKind::Integer { min: 1, max: 65_535 }, "Port").both(AGENT_RESOURCE_PORT)),
        Node::keyword("service", "The AppTunnel service the traffic is carried to")
            .child(Node::arg("SERVICE", WORD, "AppTunnel service name").action(AGENT_SERVICE)),
        Node::keyword("name", "A DNS name the agents' split DNS answers for this resource").child(
            Node::arg(
                "DNSNAME",
                ArgKind::Word { max_len: 253 },
                "intranet.corp.example, or *.corp.example for every name below",
            )
            .both(AGENT_DNS_NAME),
        ),
    ]
}

/// `show agent …` in EXEC modes.
pub(crate) fn show_node() -> Node {
    Node::keyword("agent", "Endpoint agents").children([Node::keyword(
        "sessions",
        "Agent sessions: device, user, address, since, last seen",
    )
    .action(AGENT_SHOW_SESSIONS)])
}

/// `show agent sessions`.
pub(crate) fn show(session: &mut CliBackend, out: &mut dyn Write) -> Outcome {
    match session.appliance().agent_sessions() {
        Some(table) => out.write_str(&table)?,
        None => writeln!(
            out,
            "The agent control channel is not running (it needs apptunnel client-ca when posternd starts: set it, then reload)."
        )?,
    }
    Ok(())
}

fn text<'a>(inv: &Invocation<'a>, name: &str) -> Result<&'a str, postern_cli_engine::CommandError> {
    inv.arg(name).and_then(Value::as_str).ok_or_else(|| failed(format!("{name} is missing")))
}

fn port(inv: &Invocation<'_>) -> Result<u16, postern_cli_engine::CommandError> {
    inv.arg("PORT")
        .and_then(Value::as_integer)
        .and_then(|n| u16::try_from(n).ok())
        .ok_or_else(|| failed("PORT is out of range"))
}

/// Applies one agent editing command to the candidate.
pub(crate) fn edit(session: &mut CliBackend, inv: &Invocation<'_>) -> Outcome {
    let no = inv.negated();
    let settings = &mut session.candidate().config_mut().agent;
    match inv.action() {
        AGENT_ENABLED => settings.enabled = !no,
        AGENT_PORT => settings.port = port(inv)?,
        AGENT_RESOURCE => {
            let name = text(inv, "NAME")?;
            if no {
                settings.resources.retain(|r| r.name != name);
            } else if !settings.resources.iter().any(|r| r.name == name) {
                settings.resources.push(AgentResource { name: name.into(), ..AgentResource::default() });
            }
        }
        action => {
            let name = inv
                .path()
                .iter()
                .rev()
                .find(|f| f.sub_mode == MODE_AGENT_RESOURCE)
                .and_then(|f| f.arg("NAME"))
                .and_then(Value::as_str)
                .ok_or_else(|| failed("not inside an agent resource"))?;
            let resource = settings
                .resources
                .iter_mut()
                .find(|r| r.name == name)
                .ok_or_else(|| failed(format!("resource {name} is not in the candidate")))?;
            match action {
                AGENT_PREFIX => {
                    let prefix = text(inv, "PREFIX")?;
                    let parsed: postern_agent_wire::Prefix =
                        prefix.parse().map_err(|e| failed(format!("{prefix}: {e}")))?;
                    let prefix = parsed.to_string();
                    resource.prefixes.retain(|p| *p != prefix);
                    if !no {
                        resource.prefixes.push(prefix);
                    }
                }
                AGENT_RESOURCE_PORT => {
                    let port = port(inv)?;
                    resource.ports.retain(|p| *p != port);
                    if !no {
                        resource.ports.push(port);
                    }
                }
                AGENT_DNS_NAME => {
                    let name = text(inv, "DNSNAME")?;
                    postern_agent_wire::check_dns_name(name).map_err(|e| failed(format!("{name}: {e}")))?;
                    resource.names.retain(|n| n != name);
                    if !no {
                        resource.names.push(name.into());
                    }
                }
                AGENT_SERVICE => resource.service = text(inv, "SERVICE")?.into(),
                _ => return Err(failed("this command is not available")),
            }
        }
    }
    Ok(())
}

/// The `agent …` lines of `show running-config`.
pub(crate) fn render(settings: &postern_config::AgentSettings, line: &mut impl FnMut(String)) {
    line(format!("agent port {}", settings.port));
    if settings.enabled {
        line("agent enabled".into());
    }
    for r in &settings.resources {
        line(format!("agent resource {}", r.name));
        for prefix in &r.prefixes {
            line(format!(" prefix {prefix}"));
        }
        for port in &r.ports {
            line(format!(" port {port}"));
        }
        for name in &r.names {
            line(format!(" name {name}"));
        }
        if !r.service.is_empty() {
            line(format!(" service {}", r.service));
        }
        line("!".into());
    }
}
