//! The defaults and the embedded demo configuration are valid and mean what they say.

use postern_config::{Config, Connector, DEMO_TOML, OutagePolicy, Platform, ReportedState};
use std::collections::HashSet;

#[test]
fn defaults_validate() {
    assert_eq!(Config::default().validate(), Ok(()));
}

#[test]
fn an_empty_document_is_the_default_configuration() {
    assert_eq!(Config::from_toml_str("").ok(), Some(Config::default()));
}

#[test]
fn a_partial_document_keeps_defaults_for_what_it_does_not_name() {
    let config = Config::from_toml_str("[device_cache]\nsize = 42\n").expect("valid");
    let mut expected = Config::default();
    expected.device_cache.size = 42;
    assert_eq!(config, expected);
}

#[test]
fn demo_parses_and_validates() {
    let config = Config::from_toml_str(DEMO_TOML).expect("demo parses");
    assert_eq!(config.validate(), Ok(()));
    assert_eq!(Config::demo(), config);
    assert_ne!(config, Config::default());
}

#[test]
fn demo_covers_every_case() {
    let config = Config::demo();
    let Connector::Static(uem) = &config.uem.connector else {
        panic!("demo uses the static connector, found {:?}", config.uem.connector);
    };
    assert!((5..=8).contains(&uem.devices.len()), "about six devices, found {}", uem.devices.len());
    let states: HashSet<ReportedState> = uem.devices.iter().map(|d| d.state).collect();
    for state in [ReportedState::Allowed, ReportedState::Blocked, ReportedState::Quarantined, ReportedState::Wiped] {
        assert!(states.contains(&state), "no device is {state:?}");
    }
    let elsewhere = uem.devices.iter().filter(|d| {
        d.state == ReportedState::Allowed && d.allowed_on_gateway.as_deref().is_some_and(|g| g != config.gateway.id)
    });
    assert_eq!(elsewhere.count(), 1, "one device allowed on another gateway");
    let platforms: HashSet<Platform> = uem.devices.iter().map(|d| d.platform).collect();
    assert!(platforms.len() >= 3, "several platforms: {platforms:?}");
    assert_eq!(uem.settings.new_device_when_unreachable, Some(OutagePolicy::FailOpen));
    assert!(uem.settings.supports_quarantine);
    assert!(config.activesync.backend_url.is_some());
}
