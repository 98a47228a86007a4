//! Every validation rule refuses a bad value and names the setting by its dotted path.

use postern_config::{
    Config, ConfigError, Connector, GraphConnector, Platform, PosternApiConnector, Problem, ReportedState,
    StaticConnector, StaticDevice, StaticUemSettings,
};
use std::path::PathBuf;

/// The one problem of `config`, which must be at `path`; its message must name `path`.
fn only_problem(config: &Config, path: &str) -> Problem {
    let errors = config.validate().expect_err("the configuration should be refused");
    assert_eq!(errors.len(), 1, "exactly one error expected, got:\n{errors}");
    let error = &errors.errors()[0];
    assert_eq!(error.path, path, "wrong setting blamed: {error}");
    assert!(error.to_string().starts_with(&format!("{path}: ")), "message must name the setting: {error}");
    error.problem.clone()
}

fn device(n: u32) -> StaticDevice {
    StaticDevice {
        activesync_id: format!("Dev{n:04}"),
        user: format!("user{n}@example.com"),
        uem_id: format!("uem-{n}"),
        platform: Platform::Ios,
        state: ReportedState::Allowed,
        allowed_on_gateway: None,
    }
}

fn with_static(devices: Vec<StaticDevice>, supports_quarantine: bool) -> Config {
    let mut config = Config::default();
    let settings = StaticUemSettings { supports_quarantine, ..StaticUemSettings::default() };
    config.uem.connector = Connector::Static(StaticConnector { devices, settings });
    config
}

fn with_api(edit: impl FnOnce(&mut PosternApiConnector)) -> Config {
    let mut api = PosternApiConnector {
        url: "https://uem.example.com:8443/api".into(),
        ca_file: Some("/etc/postern/uem-ca.pem".into()),
        gateway_credentials: Some("/var/lib/postern/uem-token".into()),
    };
    edit(&mut api);
    let mut config = Config::default();
    config.uem.connector = Connector::PosternApi(api);
    config
}

fn with_graph(edit: impl FnOnce(&mut GraphConnector)) -> Config {
    let mut graph = GraphConnector {
        tenant: "contoso.onmicrosoft.com".into(),
        client_id: "00000000-0000-0000-0000-000000000001".into(),
        client_secret_file: "/var/lib/postern/graph-secret".into(),
        token_url: Some("https://login.example.com/token".into()),
        graph_url: Some("https://graph.example.com".into()),
        ca_file: None,
    };
    edit(&mut graph);
    let mut config = Config::default();
    config.uem.connector = Connector::Graph(graph);
    config
}

#[test]
fn the_bases_are_valid() {
    assert_eq!(with_static(vec![device(1), device(2)], false).validate(), Ok(()));
    assert_eq!(with_api(|_| {}).validate(), Ok(()));
    assert_eq!(with_graph(|_| {}).validate(), Ok(()));
}

#[test]
fn message_format_is_path_colon_problem() {
    let mut config = Config::default();
    config.uem.checkins.compliance_interval_secs = 0;
    let errors = config.validate().expect_err("0 is out of bounds");
    assert_eq!(errors.to_string(), "uem.checkins.compliance_interval_secs: 0 is below the minimum 5");
}

#[test]
fn gateway_id_is_bounded_text() {
    let mut config = Config::default();
    config.gateway.id = String::new();
    assert_eq!(only_problem(&config, "gateway.id"), Problem::Empty);
    config.gateway.id = "g".repeat(65);
    assert_eq!(only_problem(&config, "gateway.id"), Problem::TooLong { len: 65, max: 64 });
    config.gateway.id = "gw\n1".into();
    assert!(matches!(only_problem(&config, "gateway.id"), Problem::BadChar { found: '\n', at: 2, .. }));
    config.gateway.id = "g".repeat(64);
    assert_eq!(config.validate(), Ok(()));
}

#[test]
fn hostname_follows_rfc_1123_label_rules() {
    let mut config = Config::default();
    for bad in ["", "-edge", "edge-", "under_score", "dotted.name", &"h".repeat(64)] {
        config.gateway.hostname = bad.into();
        assert!(
            matches!(only_problem(&config, "gateway.hostname"), Problem::BadHostname { .. }),
            "{bad:?} should be refused"
        );
    }
    for good in ["1gateway", "a", "edge-01", &"h".repeat(63)] {
        config.gateway.hostname = good.into();
        assert_eq!(config.validate(), Ok(()), "{good:?} should be accepted");
    }
}

#[test]
fn device_cache_size_is_bounded() {
    let mut config = Config::default();
    config.device_cache.size = 0;
    assert_eq!(only_problem(&config, "device_cache.size"), Problem::BelowMin { value: 0, min: 1 });
    config.device_cache.size = 10_000_001;
    assert_eq!(only_problem(&config, "device_cache.size"), Problem::AboveMax { value: 10_000_001, max: 10_000_000 });
    for good in [1, 10_000_000] {
        config.device_cache.size = good;
        assert_eq!(config.validate(), Ok(()));
    }
}

#[test]
fn device_cache_path_is_absolute() {
    let mut config = Config::default();
    config.device_cache.path = PathBuf::from("var/lib/cache");
    assert!(matches!(only_problem(&config, "device_cache.path"), Problem::NotAbsolute { .. }));
}

#[test]
fn every_checkin_setting_is_bounded() {
    type Field = fn(&mut Config) -> &mut u32;
    let fields: [(&str, Field, u32, u32); 5] = [
        ("compliance_interval_secs", |c| &mut c.uem.checkins.compliance_interval_secs, 5, 3_600),
        ("tunnel_actions_interval_secs", |c| &mut c.uem.checkins.tunnel_actions_interval_secs, 5, 3_600),
        ("inventory_interval_secs", |c| &mut c.uem.checkins.inventory_interval_secs, 10, 86_400),
        ("jitter_percent", |c| &mut c.uem.checkins.jitter_percent, 0, 50),
        ("backoff_cap_secs", |c| &mut c.uem.checkins.backoff_cap_secs, 5, 3_600),
    ];
    for (name, field, min, max) in fields {
        let path = format!("uem.checkins.{name}");
        let mut config = Config::default();
        if min > 0 {
            *field(&mut config) = min - 1;
            let expected = Problem::BelowMin { value: (min - 1).into(), min: min.into() };
            assert_eq!(only_problem(&config, &path), expected);
        }
        *field(&mut config) = max + 1;
        assert_eq!(only_problem(&config, &path), Problem::AboveMax { value: (max + 1).into(), max: max.into() });
        for good in [min, max] {
            *field(&mut config) = good;
            assert_eq!(config.validate(), Ok(()), "{path} = {good}");
        }
    }
}

#[test]
fn static_device_fields_are_checked() {
    type Edit = fn(&mut StaticDevice);
    let cases: [(&str, Edit); 8] = [
        ("activesync_id", |d| d.activesync_id = String::new()),
        ("activesync_id", |d| d.activesync_id = "has-dash".into()),
        ("activesync_id", |d| d.activesync_id = "A".repeat(33)),
        ("user", |d| d.user = String::new()),
        ("user", |d| d.user = "u\u{7}".into()),
        ("uem_id", |d| d.uem_id = "x".repeat(65)),
        ("allowed_on_gateway", |d| d.allowed_on_gateway = Some(String::new())),
        ("allowed_on_gateway", |d| d.allowed_on_gateway = Some("g".repeat(65))),
    ];
    for (field, edit) in cases {
        let mut bad = device(2);
        edit(&mut bad);
        let config = with_static(vec![device(1), bad], false);
        only_problem(&config, &format!("uem.connector.devices[1].{field}"));
    }
}

#[test]
fn duplicate_device_ids_name_both_devices() {
    let mut twin = device(3);
    twin.activesync_id = device(1).activesync_id;
    let config = with_static(vec![device(1), device(2), twin], false);
    let problem = only_problem(&config, "uem.connector.devices[2].activesync_id");
    assert_eq!(
        problem,
        Problem::Duplicate { value: "Dev0001".into(), first: "uem.connector.devices[0].activesync_id".into() }
    );

    let mut twin = device(3);
    twin.uem_id = device(2).uem_id;
    let config = with_static(vec![device(1), device(2), twin], false);
    only_problem(&config, "uem.connector.devices[2].uem_id");
}

#[test]
fn quarantine_needs_a_uem_that_supports_it() {
    let mut held = device(1);
    held.state = ReportedState::Quarantined;
    let problem = only_problem(&with_static(vec![held.clone()], false), "uem.connector.devices[0].state");
    assert!(problem.to_string().contains("uem.connector.settings.supports_quarantine = true"), "{problem}");
    assert_eq!(with_static(vec![held], true).validate(), Ok(()));
}

#[test]
fn postern_api_settings_are_checked() {
    let bad_urls = [
        "http://uem.example.com",
        "ftp://uem.example.com",
        "uem.example.com",
        "https://",
        "https://user:pw@uem.example.com",
        "https://uem.example.com:0",
        "https://uem.example.com:65536",
        "https://uem.example.com:+1",
        "https://uem example.com",
        "https://uem_example.com",
        "https://[::1",
    ];
    for url in bad_urls {
        only_problem(&with_api(|a| a.url = url.into()), "uem.connector.url");
    }
    assert_eq!(
        only_problem(&with_api(|a| a.url = "HTTP://x".into()), "uem.connector.url"),
        Problem::NotHttps { scheme: "HTTP".into() }
    );
    let long = format!("https://uem.example.com/{}", "p".repeat(2048));
    only_problem(&with_api(|a| a.url = long), "uem.connector.url");
    for good in ["HTTPS://uem.example.com", "https://[::1]:8443/x", "https://10.0.0.1/api?x=1#f"] {
        assert_eq!(with_api(|a| a.url = good.into()).validate(), Ok(()), "{good}");
    }
    only_problem(&with_api(|a| a.ca_file = Some("ca.pem".into())), "uem.connector.ca_file");
    only_problem(&with_api(|a| a.gateway_credentials = Some("token".into())), "uem.connector.gateway_credentials");
}

#[test]
fn graph_settings_are_checked() {
    only_problem(&with_graph(|g| g.tenant = String::new()), "uem.connector.tenant");
    only_problem(&with_graph(|g| g.client_id = "c".repeat(129)), "uem.connector.client_id");
    only_problem(&with_graph(|g| g.client_secret_file = "secret".into()), "uem.connector.client_secret_file");
    only_problem(&with_graph(|g| g.token_url = Some("http://login.example.com".into())), "uem.connector.token_url");
    only_problem(&with_graph(|g| g.graph_url = Some("graph.example.com".into())), "uem.connector.graph_url");
}

#[test]
fn activesync_backend_is_http_or_https() {
    let mut config = Config::default();
    config.activesync.backend_url = Some("http://mail.example.com".into());
    assert!(config.validate().is_ok(), "an internal http back end is allowed");
    config.activesync.backend_url = Some("ftp://mail.example.com".into());
    assert_eq!(only_problem(&config, "activesync.backend_url"), Problem::NotHttps { scheme: "ftp".into() });
    config.activesync.backend_url = Some("https://mail.example.com".into());
    config.activesync.backend_ca_file = Some("ca.pem".into());
    only_problem(&config, "activesync.backend_ca_file");
}

#[test]
fn every_offending_setting_is_reported_in_tree_order() {
    let mut config = with_static(vec![device(1)], false);
    config.gateway.hostname = "bad_host".into();
    config.device_cache.size = 0;
    config.uem.checkins.jitter_percent = 99;
    config.activesync.backend_url = Some("mail".into());
    let errors = config.validate().expect_err("four settings are wrong");
    let paths: Vec<&str> = errors.errors().iter().map(|e| e.path.as_str()).collect();
    assert_eq!(
        paths,
        ["gateway.hostname", "device_cache.size", "uem.checkins.jitter_percent", "activesync.backend_url"]
    );
    assert_eq!(errors.to_string().lines().count(), 4);
}

#[test]
fn loading_refuses_invalid_values_listing_them_all() {
    let text = "[device_cache]\nsize = 0\n[uem.checkins]\ncompliance_interval_secs = 1\n";
    match Config::from_toml_str(text) {
        Err(ConfigError::Invalid(errors)) => {
            assert!(errors.get("device_cache.size").is_some(), "{errors}");
            assert!(errors.get("uem.checkins.compliance_interval_secs").is_some(), "{errors}");
            assert_eq!(errors.len(), 2);
        }
        other => panic!("expected ConfigError::Invalid, got {other:?}"),
    }
}
