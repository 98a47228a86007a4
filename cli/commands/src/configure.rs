//! CONFIG-mode commands: edits of the session's candidate, and commit / rollback.

use crate::actions::*;
use crate::backend::{CliBackend, Outcome, failed};
use core::fmt::Write;
use postern_cli_engine::{Invocation, Value};
use postern_config::{
    AppTunnelService, Config, Connector, GraphConnector, Interface, OutagePolicy, PosternApiConnector, Privilege,
    ReportedState, ServiceKind, StaticConnector, StaticDevice, TlsVersion, User,
};
use std::path::PathBuf;

fn text<'a>(inv: &Invocation<'a>, name: &str) -> Result<&'a str, postern_cli_engine::CommandError> {
    inv.arg(name).and_then(Value::as_str).ok_or_else(|| failed(format!("{name} is missing")))
}

fn number<T: TryFrom<i64>>(inv: &Invocation<'_>, name: &str) -> Result<T, postern_cli_engine::CommandError> {
    inv.arg(name)
        .and_then(Value::as_integer)
        .and_then(|n| T::try_from(n).ok())
        .ok_or_else(|| failed(format!("{name} is missing or out of range")))
}

/// The argument that entered the enclosing sub-mode (e.g. the interface name).
fn frame_arg<'a>(
    inv: &Invocation<'a>,
    mode: postern_cli_engine::SubModeId,
    name: &str,
) -> Result<&'a str, postern_cli_engine::CommandError> {
    inv.path()
        .iter()
        .rev()
        .find(|f| f.sub_mode == mode)
        .and_then(|f| f.arg(name))
        .and_then(Value::as_str)
        .ok_or_else(|| failed("not inside the expected configuration mode"))
}

fn static_uem(config: &mut Config) -> Result<&mut StaticConnector, postern_cli_engine::CommandError> {
    match &mut config.uem.connector {
        Connector::Static(s) => Ok(s),
        _ => Err(failed("only a static UEM lists devices and settings here (connector static)")),
    }
}

/// Applies one editing command to the candidate. Nothing is checked beyond the grammar
/// here: `commit` validates the whole configuration and names every offending setting.
pub(crate) fn edit(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    let no = inv.negated();
    let action = inv.action();
    let config = session.candidate().config_mut();
    let defaults = Config::default();
    match action {
        HOSTNAME => config.gateway.hostname = if no { defaults.gateway.hostname } else { text(inv, "NAME")?.into() },
        GATEWAY_ID => config.gateway.id = text(inv, "ID")?.into(),
        SHUTDOWN_NOTICE => config.gateway.shutdown_notice_secs = number(inv, "SECONDS")?,
        CACHE_SIZE => config.device_cache.size = number(inv, "N")?,
        INTERFACE => {
            let name = text(inv, "NAME")?;
            let present = config.interfaces.iter().any(|i| i.name == name);
            if no {
                config.interfaces.retain(|i| i.name != name);
            } else if !present {
                config.interfaces.push(Interface::named(name));
            }
        }
        IF_ADDRESS | IF_DHCP | IF_GATEWAY | IF_SHUTDOWN | IF_MATCH | IF_MATCH_MAC | IF_MATCH_PCI | IF_MTU
        | IF_RX_RING | IF_TX_RING | IF_OFFLOAD | IF_STEERING => {
            let name = frame_arg(inv, MODE_INTERFACE, "NAME")?;
            let interface = config
                .interfaces
                .iter_mut()
                .find(|i| i.name == name)
                .ok_or_else(|| failed(format!("interface {name} is not in the candidate")))?;
            match action {
                IF_ADDRESS => {
                    let address = text(inv, "PREFIX")?;
                    interface.addresses.retain(|a| a != address);
                    if !no {
                        interface.addresses.push(address.into());
                    }
                }
                IF_DHCP => interface.dhcp = !no,
                IF_STEERING => interface.steering = !no,
                IF_MTU => interface.mtu = if no { None } else { Some(number(inv, "BYTES")?) },
                IF_RX_RING => interface.rx_ring = if no { None } else { Some(number(inv, "N")?) },
                IF_TX_RING => interface.tx_ring = if no { None } else { Some(number(inv, "N")?) },
                IF_OFFLOAD => {
                    let name = text(inv, "NAME")?.to_owned();
                    if no {
                        interface.offloads.remove(&name);
                    } else {
                        interface.offloads.insert(name, text(inv, "STATE")? == "on");
                    }
                }
                IF_MATCH => (interface.match_mac, interface.match_pci) = (None, None),
                IF_MATCH_MAC | IF_MATCH_PCI if no => (interface.match_mac, interface.match_pci) = (None, None),
                IF_MATCH_MAC => (interface.match_mac, interface.match_pci) = (Some(text(inv, "MAC")?.into()), None),
                IF_MATCH_PCI => (interface.match_mac, interface.match_pci) = (None, Some(text(inv, "ADDRESS")?.into())),
                IF_GATEWAY => interface.gateway = if no { None } else { Some(text(inv, "ADDRESS")?.into()) },
                _ => interface.shutdown = !no,
            }
        }
        TLS_CERT => config.tls.certificate_file = if no { None } else { Some(PathBuf::from(text(inv, "FILE")?)) },
        TLS_KEY => config.tls.key_file = if no { None } else { Some(PathBuf::from(text(inv, "FILE")?)) },
        TLS_MIN => {
            config.tls.min_version = if text(inv, "VERSION")? == "1.3" { TlsVersion::Tls13 } else { TlsVersion::Tls12 }
        }
        ACTIVESYNC_BACKEND => config.activesync.backend_url = if no { None } else { Some(text(inv, "URL")?.into()) },
        ACTIVESYNC_CA => {
            config.activesync.backend_ca_file = if no { None } else { Some(PathBuf::from(text(inv, "FILE")?)) }
        }
        TUNNEL_IDLE => config.apptunnel.idle_timeout_secs = number(inv, "SECONDS")?,
        TUNNEL_CN => config.apptunnel.identity_from_common_name = !no,
        TUNNEL_CA => config.apptunnel.client_ca_file = if no { None } else { Some(PathBuf::from(text(inv, "FILE")?)) },
        SERVICE => {
            let name = text(inv, "NAME")?;
            let services = &mut config.apptunnel.services;
            if no {
                services.retain(|s| s.name != name);
            } else if !services.iter().any(|s| s.name == name) {
                services.push(AppTunnelService { name: name.into(), kind: ServiceKind::Http, servers: Vec::new() });
            }
        }
        SERVICE_KIND | SERVICE_SERVER => {
            let name = frame_arg(inv, MODE_SERVICE, "NAME")?;
            let service = config
                .apptunnel
                .services
                .iter_mut()
                .find(|s| s.name == name)
                .ok_or_else(|| failed(format!("service {name} is not in the candidate")))?;
            if action == SERVICE_KIND {
                service.kind = if text(inv, "KIND")? == "tcp" { ServiceKind::Tcp } else { ServiceKind::Http };
            } else {
                let server = text(inv, "HOST:PORT")?;
                service.servers.retain(|s| s != server);
                if !no {
                    service.servers.push(server.into());
                }
            }
        }
        UEM => {}
        UEM_STATIC => {
            if !matches!(config.uem.connector, Connector::Static(_)) {
                config.uem.connector = Connector::Static(StaticConnector::default());
            }
        }
        UEM_API => {
            let url = text(inv, "URL")?.to_owned();
            match &mut config.uem.connector {
                Connector::PosternApi(api) => api.url = url,
                other => {
                    *other =
                        Connector::PosternApi(PosternApiConnector { url, ca_file: None, gateway_credentials: None })
                }
            }
        }
        UEM_CA => {
            let file = if no { None } else { Some(PathBuf::from(text(inv, "FILE")?)) };
            match &mut config.uem.connector {
                Connector::PosternApi(api) => api.ca_file = file,
                Connector::Graph(graph) => graph.ca_file = file,
                Connector::Static(_) => {
                    return Err(failed("a static UEM has no certificate: choose connector postern-api or graph first"));
                }
            }
        }
        UEM_CREDENTIALS => match &mut config.uem.connector {
            Connector::PosternApi(api) => {
                api.gateway_credentials = if no { None } else { Some(PathBuf::from(text(inv, "FILE")?)) }
            }
            _ => return Err(failed("credentials apply to connector postern-api only")),
        },
        UEM_GRAPH => {
            config.uem.connector = Connector::Graph(GraphConnector {
                tenant: text(inv, "TENANT")?.into(),
                client_id: text(inv, "CLIENT-ID")?.into(),
                client_secret_file: PathBuf::from(text(inv, "SECRET-FILE")?),
                token_url: None,
                graph_url: None,
                ca_file: None,
            });
        }
        UEM_CHECKIN => {
            let checkins = &mut config.uem.checkins;
            let slot = if inv.has_keyword("compliance") {
                &mut checkins.compliance_interval_secs
            } else if inv.has_keyword("tunnel-actions") {
                &mut checkins.tunnel_actions_interval_secs
            } else if inv.has_keyword("inventory") {
                &mut checkins.inventory_interval_secs
            } else if inv.has_keyword("jitter") {
                &mut checkins.jitter_percent
            } else {
                &mut checkins.backoff_cap_secs
            };
            *slot = inv
                .args()
                .first()
                .and_then(|a| a.value.as_integer())
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| failed("value out of range"))?;
        }
        UEM_NEW_DEVICE => {
            static_uem(config)?.settings.new_device_when_unreachable = OutagePolicy::from_code(text(inv, "RULE")?);
        }
        UEM_QUARANTINE => static_uem(config)?.settings.supports_quarantine = !no,
        UEM_DEVICE => {
            let id = text(inv, "ACTIVESYNC-ID")?;
            let devices = &mut static_uem(config)?.devices;
            devices.retain(|d| d.activesync_id != id);
            if !no {
                let state = match text(inv, "STATE")? {
                    "allowed" => ReportedState::Allowed,
                    "blocked" => ReportedState::Blocked,
                    "quarantined" => ReportedState::Quarantined,
                    _ => ReportedState::Wiped,
                };
                devices.push(StaticDevice {
                    activesync_id: id.into(),
                    user: text(inv, "USER")?.into(),
                    uem_id: text(inv, "UEM-ID")?.into(),
                    platform: Default::default(),
                    state,
                    allowed_on_gateway: inv.arg("GATEWAY").and_then(Value::as_str).map(Into::into),
                });
            }
        }
        USER | USER_PRIVILEGE | USER_KEY => edit_user(config, inv, no)?,
        ACCS_PORTAL => config.accs.portal_url = if no { None } else { Some(text(inv, "URL")?.into()) },
        ACCS_INTERVAL => config.accs.sync_interval_secs = number(inv, "SECONDS")?,
        MGMT_ADDRESS => config.management.address = if no { None } else { Some(text(inv, "ADDRESS")?.into()) },
        MGMT_INTERFACE => config.management.interface = if no { None } else { Some(text(inv, "NAME")?.into()) },
        MGMT_SSH_PORT => config.management.ssh_port = number(inv, "PORT")?,
        MGMT_METRICS_PORT => config.management.metrics_port = number(inv, "PORT")?,
        MGMT_METRICS_ALLOW => edit_prefixes(&mut config.management.metrics_allowed, inv, no)?,
        ACTIVESYNC_PROXY_FROM => edit_prefixes(&mut config.activesync.proxy_protocol_from, inv, no)?,
        TUNNEL_PROXY_FROM => edit_prefixes(&mut config.apptunnel.proxy_protocol_from, inv, no)?,
        _ => return Err(failed("this command is not available")),
    }
    let _ = out;
    Ok(())
}

/// Adds `PREFIX` to a prefix list, removes it (`no … PREFIX`), or clears the list (`no …`).
fn edit_prefixes(list: &mut Vec<String>, inv: &Invocation<'_>, no: bool) -> Outcome {
    match (no, inv.arg("PREFIX").and_then(Value::as_str)) {
        (true, None) => list.clear(),
        (no, Some(prefix)) => {
            list.retain(|p| p != prefix);
            if !no {
                list.push(prefix.into());
            }
        }
        (false, None) => return Err(failed("give a PREFIX")),
    }
    Ok(())
}

fn edit_user(config: &mut Config, inv: &Invocation<'_>, no: bool) -> Outcome {
    let name = text(inv, "NAME")?;
    if inv.action() == USER {
        config.users.retain(|u| u.name != name);
        return Ok(());
    }
    if !config.users.iter().any(|u| u.name == name) {
        config.users.push(User { name: name.into(), privilege: Privilege::Operator, ssh_keys: Vec::new() });
    }
    let user = config.users.iter_mut().find(|u| u.name == name).ok_or_else(|| failed("user vanished"))?;
    if inv.action() == USER_PRIVILEGE {
        user.privilege =
            if text(inv, "LEVEL")? == "administrator" { Privilege::Administrator } else { Privilege::Operator };
    } else {
        let key = text(inv, "KEY")?.trim();
        user.ssh_keys.retain(|k| k.trim() != key);
        if !no {
            user.ssh_keys.push(key.into());
        }
    }
    Ok(())
}

/// `commit`, `commit comment …`, `commit confirmed N`, `rollback N`.
pub(crate) fn transaction(session: &mut CliBackend, inv: &Invocation<'_>, out: &mut dyn Write) -> Outcome {
    if inv.action() == ROLLBACK {
        let n: usize = number(inv, "N")?;
        let candidate = session.appliance().store().rollback(n).map_err(|e| failed(e.to_string()))?;
        session.set_candidate(Some(candidate));
        writeln!(
            out,
            "Loaded the configuration of {n} commit(s) back into the candidate; review with `show configuration diff`, then `commit`."
        )?;
        return Ok(());
    }
    let candidate = session.candidate().clone();
    let (who, now) = (session.user().to_owned(), session.appliance().now());
    let comment = inv.arg("TEXT").and_then(Value::as_str);
    crate::tls::check_candidate(candidate.config(), session.appliance().store().running())?;
    let result = {
        let mut store = session.appliance().store();
        if inv.action() == COMMIT_CONFIRMED {
            store.commit_confirmed(&candidate, number(inv, "MINUTES")?, &who, comment, now)
        } else {
            store.commit(&candidate, &who, comment, now)
        }
    };
    let info = result.map_err(|e| failed(e.to_string()))?;
    session.set_candidate(None);
    session.refresh_hostname();
    match info.kind {
        postern_config_store::RevisionKind::CommitConfirmed { deadline } => writeln!(
            out,
            "Committed revision {}; it rolls back by itself in {} s unless confirmed with `commit`.",
            info.number,
            deadline.saturating_sub(now)
        )?,
        _ => match info.confirms {
            Some(confirmed) => writeln!(out, "Committed revision {} (confirms revision {confirmed}).", info.number)?,
            None => writeln!(out, "Committed revision {}.", info.number)?,
        },
    }
    tracing::info!(revision = info.number, who = %who, "configuration committed");
    let pending = session.appliance().pending_reload();
    if !pending.is_empty() {
        writeln!(out, "Applies at the next `reload`: {} (`show configuration pending-reload`).", pending.join(", "))?;
    }
    crate::tls::apply(session, out)
}
