//! Writing a configuration as TOML and reading it back gives the same configuration.

use postern_config::{
    CURRENT_VERSION, Config, Connector, GraphConnector, OutagePolicy, Platform, PosternApiConnector, ReportedState,
    StaticConnector, StaticDevice, StaticUemSettings,
};

fn round_trip(config: &Config) {
    let text = config.to_toml_string().expect("serialises");
    assert!(text.starts_with(&format!("version = {CURRENT_VERSION}\n")), "{text}");
    let back = Config::from_toml_str(&text).unwrap_or_else(|e| panic!("{e}\n--- text:\n{text}"));
    assert_eq!(&back, config, "--- text:\n{text}");
}

#[test]
fn defaults_round_trip() {
    round_trip(&Config::default());
}

#[test]
fn demo_round_trips() {
    round_trip(&Config::demo());
}

#[test]
fn every_connector_and_optional_setting_round_trips() {
    let mut config = Config::default();
    config.gateway.id = "gw \"quoted\" \\ id".into();
    config.device_cache.size = 7;
    config.uem.checkins.jitter_percent = 0;
    config.activesync.backend_url = Some("https://mail.example.com/EWS".into());

    config.uem.connector = Connector::Static(StaticConnector {
        devices: vec![StaticDevice {
            activesync_id: "X1".into(),
            user: "EXAMPLE\\ünïcode".into(),
            uem_id: "42".into(),
            platform: Platform::Windows,
            state: ReportedState::Wiped,
            allowed_on_gateway: Some("other".into()),
        }],
        settings: StaticUemSettings {
            new_device_when_unreachable: Some(OutagePolicy::FailClosed),
            supports_quarantine: true,
        },
    });
    round_trip(&config);

    config.uem.connector = Connector::PosternApi(PosternApiConnector {
        url: "https://uem.example.com".into(),
        ca_file: Some("/etc/ca.pem".into()),
        gateway_credentials: None,
    });
    round_trip(&config);

    config.uem.connector = Connector::Graph(GraphConnector {
        tenant: "contoso.onmicrosoft.com".into(),
        client_id: "app".into(),
        client_secret_file: "/secret".into(),
        token_url: None,
        graph_url: Some("https://graph.example.com".into()),
        ca_file: None,
    });
    round_trip(&config);
}

/// The outage rule is written `allow`, `block` or `absent`, and nothing else is read.
#[test]
fn outage_rule_spellings_round_trip_and_a_typo_is_refused() {
    for rule in [None, Some(OutagePolicy::FailOpen), Some(OutagePolicy::FailClosed)] {
        let mut config = Config::default();
        config.uem.connector = Connector::Static(StaticConnector {
            settings: StaticUemSettings { new_device_when_unreachable: rule, supports_quarantine: false },
            ..StaticConnector::default()
        });
        let text = config.to_toml_string().expect("serialises");
        let spelled = rule.map_or("absent", OutagePolicy::code);
        assert!(text.contains(&format!("new_device_when_unreachable = \"{spelled}\"")), "{text}");
        round_trip(&config);
    }
    let mut config = Config::default();
    config.uem.connector = Connector::Static(StaticConnector::default());
    let text = config.to_toml_string().expect("serialises");
    let typo = text.replace("new_device_when_unreachable = \"absent\"", "new_device_when_unreachable = \"alow\"");
    assert_ne!(typo, text);
    let error = Config::from_toml_str(&typo).expect_err("a misspelt rule is refused").to_string();
    assert!(error.contains("alow") && error.contains("allow"), "{error}");
}
