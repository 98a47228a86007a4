//! Which settings a commit changed, and which of those the running services apply at once:
//! the rest wait for `reload`, and the commit and `show configuration pending-reload` say so.

use crate::render::render;
use postern_config::Config;
use std::collections::{BTreeMap, BTreeSet};

/// Settings the CLI itself reads from the running configuration at each use: the prompt
/// (hostname) and SSH logins (users and keys).
const ALWAYS_LIVE: &[&str] = &["hostname", "username"];

/// Each setting of `config`, named as an operator types it (`tls min-version`,
/// `interface eth0`, `uem checkin`, `apptunnel service mail`), with its rendered lines.
pub(crate) fn settings(config: &Config) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let mut block: Option<String> = None;
    for line in render(config).lines() {
        if line == "!" {
            block = None;
            continue;
        }
        let key = match (line.strip_prefix(' '), block.as_deref()) {
            (Some(sub), Some("uem")) if sub.starts_with("checkin ") => "uem checkin".to_owned(),
            (Some(_), Some("uem")) => "uem connector".to_owned(),
            (Some(_), Some(header)) => header.to_owned(),
            (Some(_), None) => continue,
            (None, _) => {
                let key = name(line);
                block = Some(key.clone());
                key
            }
        };
        let text = out.entry(key).or_default();
        text.push_str(line);
        text.push('\n');
    }
    out
}

/// The name of a top-level command line: its keywords, without the values.
fn name(line: &str) -> String {
    let words: Vec<&str> = line.split(' ').collect();
    let keep = match words.as_slice() {
        ["hostname" | "gateway-id" | "shutdown-notice" | "uem", ..] => 1,
        ["apptunnel", "service", ..] => 3,
        _ => 2,
    };
    words[..keep.min(words.len())].join(" ")
}

/// The settings that differ between two configurations.
pub(crate) fn changed(before: &Config, after: &Config) -> BTreeSet<String> {
    let (before, after) = (settings(before), settings(after));
    before.keys().chain(after.keys()).filter(|k| before.get(*k) != after.get(*k)).cloned().collect()
}

/// Of the settings changed since the services started, those no service applies live
/// (`live` lists setting names or their first words, e.g. `tls certificate`, `uem`). When
/// the interfaces apply live (`interface` in `live`), what of them cannot (a DHCP or match
/// change, a setting given back to the driver) is named as the network plan names it.
pub(crate) fn pending_reload(started: &Config, running: &Config, live: &[&str]) -> Vec<String> {
    let is_live = |setting: &str| {
        ALWAYS_LIVE
            .iter()
            .chain(live)
            .any(|l| setting == *l || setting.strip_prefix(l).is_some_and(|rest| rest.starts_with(' ')))
    };
    let mut pending: Vec<String> = changed(started, running).into_iter().filter(|s| !is_live(s)).collect();
    if live.contains(&"interface") {
        pending.extend(postern_network::plan(&started.interfaces, &running.interfaces).not_live);
    }
    pending
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_named_as_typed_and_sub_modes_group_their_lines() {
        let mut after = Config::default();
        after.tls.min_version = postern_config::TlsVersion::Tls13;
        after.uem.checkins.compliance_interval_secs = 45;
        after.gateway.hostname = "edge9".into();
        let changed = changed(&Config::default(), &after);
        let names: Vec<&str> = changed.iter().map(String::as_str).collect();
        assert_eq!(names, ["hostname", "tls min-version", "uem checkin"]);
    }

    #[test]
    fn only_settings_no_service_applies_live_wait_for_reload() {
        let mut after = Config::default();
        after.tls.min_version = postern_config::TlsVersion::Tls13;
        after.uem.checkins.inventory_interval_secs = 600;
        after.gateway.hostname = "edge9".into();
        assert_eq!(pending_reload(&Config::default(), &after, &[]), ["tls min-version", "uem checkin"]);
        assert_eq!(pending_reload(&Config::default(), &after, &["uem checkin"]), ["tls min-version"]);
        assert_eq!(pending_reload(&Config::default(), &after, &["tls", "uem"]), Vec::<String>::new());
        assert_eq!(pending_reload(&after, &after, &[]), Vec::<String>::new());
    }

    fn interface(name: &str, addresses: &[&str], dhcp: bool) -> postern_config::Interface {
        let addresses: Vec<String> = addresses.iter().map(|a| format!("\"{a}\"")).collect();
        let text =
            format!("[[interfaces]]\nname = \"{name}\"\naddresses = [{}]\ndhcp = {dhcp}\n", addresses.join(", "));
        let parsed = Config::from_toml_str(&text).expect("a configuration");
        parsed.interfaces.into_iter().next().expect("one interface")
    }

    #[test]
    fn live_interfaces_leave_pending_only_what_the_network_plan_cannot_apply() {
        let before = Config {
            interfaces: vec![interface("eth0", &["192.0.2.10/24"], false), interface("eth1", &[], false)],
            ..Config::default()
        };
        let mut after = before.clone();
        after.interfaces[0] = interface("eth0", &["192.0.2.11/24"], false);
        after.interfaces[1] = interface("eth1", &[], true);
        // Without a service that applies them, both interfaces wait whole.
        assert_eq!(pending_reload(&before, &after, &[]), ["interface eth0", "interface eth1"]);
        // With one, only the DHCP change waits, named as typed.
        let pending = pending_reload(&before, &after, &["interface"]);
        assert_eq!(pending.len(), 1, "{pending:?}");
        assert!(pending[0].starts_with("interface eth1") && pending[0].contains("dhcp"), "{pending:?}");
    }
}
