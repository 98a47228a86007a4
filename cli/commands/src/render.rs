//! The configuration rendered as the commands that produce it (`show running-config`).

use postern_config::{Config, Connector, OutagePolicy, Privilege, ReportedState, ServiceKind, TlsVersion};
use std::fmt::Write;

/// `management …`: only what differs from the defaults, except that the ports are always shown.
fn render_management(m: &postern_config::ManagementSettings, line: &mut impl FnMut(String)) {
    if let Some(address) = &m.address {
        line(format!("management address {address}"));
    }
    if let Some(name) = &m.interface {
        line(format!("management interface {name}"));
    }
    line(format!("management ssh-port {}", m.ssh_port));
    line(format!("management metrics-port {}", m.metrics_port));
    for prefix in &m.metrics_allowed {
        line(format!("management metrics-allow {prefix}"));
    }
}

/// The sections of `show running-config SECTION`: the first words of its top-level commands.
pub(crate) const SECTIONS: &[&str] = &[
    "accs",
    "activesync",
    "agent",
    "apptunnel",
    "device-cache",
    "gateway-id",
    "host-checker",
    "hostname",
    "interface",
    "management",
    "shutdown-notice",
    "tls",
    "uem",
    "username",
];

/// The blocks of `rendered` whose top-level command starts with `section`, each with its
/// indented sub-mode lines and closing `!`.
pub(crate) fn section(rendered: &str, section: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in rendered.lines() {
        if !line.starts_with([' ', '!']) {
            inside = line.split(' ').next() == Some(section);
        }
        if inside {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Renders every setting as a CONFIG-mode command; sub-modes are indented and closed with `!`.
pub(crate) fn render(config: &Config) -> String {
    let mut out = String::new();
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("hostname {}", config.gateway.hostname));
    line(format!("gateway-id {}", config.gateway.id));
    if config.gateway.shutdown_notice_secs != 0 {
        line(format!("shutdown-notice {}", config.gateway.shutdown_notice_secs));
    }
    line(format!("device-cache size {}", config.device_cache.size));
    for interface in &config.interfaces {
        line(format!("interface {}", interface.name));
        if let Some(mac) = &interface.match_mac {
            line(format!(" match mac {mac}"));
        }
        if let Some(pci) = &interface.match_pci {
            line(format!(" match pci {pci}"));
        }
        for address in &interface.addresses {
            line(format!(" ip address {address}"));
        }
        if interface.dhcp {
            line(" ip address dhcp".into());
        }
        for (name, value) in [("mtu", interface.mtu), ("rx-ring", interface.rx_ring), ("tx-ring", interface.tx_ring)] {
            if let Some(value) = value {
                line(format!(" {name} {value}"));
            }
        }
        for (name, on) in &interface.offloads {
            line(format!(" offload {name} {}", if *on { "on" } else { "off" }));
        }
        if !interface.steering {
            line(" no steering".into());
        }
        if let Some(gateway) = &interface.gateway {
            line(format!(" ip gateway {gateway}"));
        }
        line(if interface.shutdown { " shutdown".into() } else { " no shutdown".into() });
        line("!".into());
    }
    if let Some(cert) = &config.tls.certificate_file {
        line(format!("tls certificate {}", cert.display()));
    }
    if let Some(key) = &config.tls.key_file {
        line(format!("tls key {}", key.display()));
    }
    line(format!(
        "tls min-version {}",
        match config.tls.min_version {
            TlsVersion::Tls13 => "1.3",
            _ => "1.2",
        }
    ));
    if let Some(url) = &config.activesync.backend_url {
        line(format!("activesync backend {url}"));
    }
    if let Some(ca) = &config.activesync.backend_ca_file {
        line(format!("activesync backend-ca {}", ca.display()));
    }
    for prefix in &config.activesync.proxy_protocol_from {
        line(format!("activesync proxy-protocol-from {prefix}"));
    }
    line(format!("apptunnel idle-timeout {}", config.apptunnel.idle_timeout_secs));
    if let Some(ca) = &config.apptunnel.client_ca_file {
        line(format!("apptunnel client-ca {}", ca.display()));
    }
    if config.apptunnel.identity_from_common_name {
        line("apptunnel identity-from-common-name".into());
    }
    for prefix in &config.apptunnel.proxy_protocol_from {
        line(format!("apptunnel proxy-protocol-from {prefix}"));
    }
    for service in &config.apptunnel.services {
        line(format!("apptunnel service {}", service.name));
        line(format!(" kind {}", if service.kind == ServiceKind::Tcp { "tcp" } else { "http" }));
        for server in &service.servers {
            line(format!(" server {server}"));
        }
        line("!".into());
    }
    render_management(&config.management, &mut line);
    line("uem".into());
    render_connector(&config.uem.connector, &mut line);
    let c = &config.uem.checkins;
    line(format!(" checkin compliance {}", c.compliance_interval_secs));
    line(format!(" checkin tunnel-actions {}", c.tunnel_actions_interval_secs));
    line(format!(" checkin inventory {}", c.inventory_interval_secs));
    line(format!(" checkin jitter {}", c.jitter_percent));
    line(format!(" checkin backoff-cap {}", c.backoff_cap_secs));
    line("!".into());
    for user in &config.users {
        let level = if user.privilege == Privilege::Administrator { "administrator" } else { "operator" };
        line(format!("username {} privilege {level}", user.name));
        for key in &user.ssh_keys {
            line(format!("username {} ssh-key {key}", user.name));
        }
    }
    crate::accs::render(&config.accs, &mut line);
    crate::host_checker::render(&config.host_checker, &mut line);
    crate::agent::render(&config.agent, &mut line);
    out
}

fn render_connector(connector: &Connector, line: &mut impl FnMut(String)) {
    match connector {
        Connector::Static(s) => {
            line(" connector static".into());
            let rule = s.settings.new_device_when_unreachable.map_or("absent", OutagePolicy::code);
            line(format!(" new-device-when-unreachable {rule}"));
            line(if s.settings.supports_quarantine {
                " supports-quarantine".into()
            } else {
                " no supports-quarantine".into()
            });
            for d in &s.devices {
                let state = match d.state {
                    ReportedState::Allowed => "allowed",
                    ReportedState::Blocked => "blocked",
                    ReportedState::Quarantined => "quarantined",
                    ReportedState::Wiped => "wiped",
                };
                let mut text = format!(" device {} {} {} {state}", d.activesync_id, d.user, d.uem_id);
                if let Some(gateway) = &d.allowed_on_gateway {
                    let _ = write!(text, " allowed-on {gateway}");
                }
                line(text);
            }
        }
        Connector::PosternApi(api) => {
            line(format!(" connector postern-api {}", api.url));
            if let Some(ca) = &api.ca_file {
                line(format!(" ca-file {}", ca.display()));
            }
            if let Some(credentials) = &api.gateway_credentials {
                line(format!(" credentials {}", credentials.display()));
            }
        }
        Connector::Graph(g) => {
            line(format!(" connector graph {} {} {}", g.tenant, g.client_id, g.client_secret_file.display()));
            if let Some(ca) = &g.ca_file {
                line(format!(" ca-file {}", ca.display()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_top_level_command_is_a_section_and_a_section_keeps_its_sub_mode() {
        let rendered = super::render(&postern_config::Config::default());
        for line in rendered.lines().filter(|l| !l.starts_with([' ', '!'])) {
            let first = line.split(' ').next().unwrap_or_default();
            assert!(super::SECTIONS.contains(&first), "`{first}` is missing from SECTIONS");
        }
        let uem = super::section(&rendered, "uem");
        assert!(uem.starts_with("uem\n") && uem.ends_with("!\n") && !uem.contains("hostname"), "{uem}");
    }

    use super::*;

    #[test]
    fn the_demo_renders_as_commands() {
        let text = render(&Config::demo());
        assert!(text.starts_with("hostname postern-demo\ngateway-id postern-1\n"), "{text}");
        assert!(
            text.contains("\nuem\n connector static\n new-device-when-unreachable allow\n supports-quarantine\n"),
            "{text}"
        );
        assert!(text.contains(" device ApplA1B2C3D4E5F6 alice@example.com uem-0001 allowed\n"), "{text}");
        assert!(text.contains(" checkin compliance 15\n"), "{text}");
    }
}
