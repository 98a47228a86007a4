//! `[host_checker]`: defaults, the stored form, and every rule that refuses a setting by
//! its path.

mod common;

use common::{assert_valid, only_problem};
use postern_config::{Config, HostCheckerPolicy, Problem};

fn policy(name: &str) -> HostCheckerPolicy {
    HostCheckerPolicy {
        name: name.into(),
        platforms: vec!["linux:debian".into()],
        min_os_version: Some("12".into()),
        required: vec!["openssl >= 3.0.15".into()],
        forbidden: vec!["telnetd".into()],
        deny_forwarding: true,
        remediation_url: Some("https://fix.example/".into()),
        ..HostCheckerPolicy::default()
    }
}

fn with(policies: Vec<HostCheckerPolicy>) -> Config {
    let mut config = Config::default();
    config.host_checker.policies = policies;
    config
}

#[test]
fn defaults_are_off_on_port_271_without_policies() {
    let config = Config::default();
    assert!(!config.host_checker.enabled);
    assert_eq!(config.host_checker.port, 271);
    assert!(config.host_checker.policies.is_empty());
    let old = "version = 1\n\n[gateway]\nid = \"edge-7\"\n";
    assert_eq!(Config::from_toml_str(old).expect("loads").host_checker, config.host_checker);
}

#[test]
fn a_policy_round_trips_through_the_stored_form() {
    let mut config = with(vec![policy("debian-baseline")]);
    config.host_checker.enabled = true;
    config.host_checker.port = 2710;
    config.apptunnel.client_ca_file = Some("/data/ca.pem".into());
    assert_valid(&config, "a full policy");
    let text = config.to_toml_string().expect("serialises");
    assert!(text.contains("[[host_checker.policies]]"), "{text}");
    assert_eq!(Config::from_toml_str(&text).expect("loads"), config);
    let engine = config.host_checker.engine_policies();
    assert_eq!(engine.len(), 1);
    assert_eq!(engine[0].required[0].to_string(), "openssl >= 3.0.15");
}

#[test]
fn enabling_needs_the_device_authority() {
    let mut config = Config::default();
    config.host_checker.enabled = true;
    assert!(matches!(only_problem(&config, "host_checker.enabled"), Problem::Requires { .. }));
    config.host_checker.enabled = false;
    config.host_checker.port = 0;
    assert!(matches!(only_problem(&config, "host_checker.port"), Problem::BelowMin { .. }));
}

#[test]
fn bad_policies_are_refused_naming_the_policy() {
    let bad_platform = HostCheckerPolicy { platforms: vec!["beos".into()], ..policy("p") };
    let Problem::BadPolicy { reason } = only_problem(&with(vec![bad_platform]), "host_checker.policies[0]") else {
        panic!()
    };
    assert!(reason.contains("\"beos\""), "{reason}");
    let bad_rule = HostCheckerPolicy { required: vec!["openssl > 3".into()], ..policy("p") };
    let Problem::BadPolicy { reason } = only_problem(&with(vec![bad_rule]), "host_checker.policies[0]") else {
        panic!()
    };
    assert!(reason.contains("openssl > 3"), "{reason}");
    let both = HostCheckerPolicy {
        monitor_products: vec!["openssl".into()],
        monitor_patches: vec!["DSA-1-1".into()],
        ..policy("p")
    };
    let Problem::BadPolicy { reason } = only_problem(&with(vec![both]), "host_checker.policies[0]") else { panic!() };
    assert!(reason.contains("products and specific patches"), "{reason}");
    let empty = HostCheckerPolicy { name: "e".into(), platforms: vec!["ios".into()], ..HostCheckerPolicy::default() };
    assert!(matches!(only_problem(&with(vec![empty]), "host_checker.policies[0]"), Problem::BadPolicy { .. }));
    assert!(matches!(
        only_problem(&with(vec![policy("a"), policy("a")]), "host_checker.policies[1].name"),
        Problem::Duplicate { .. }
    ));
    let http = HostCheckerPolicy { remediation_url: Some("http://fix.example/".into()), ..policy("p") };
    assert!(matches!(
        only_problem(&with(vec![http]), "host_checker.policies[0].remediation_url"),
        Problem::NotHttps { .. }
    ));
}

#[test]
fn patch_monitoring_commits() {
    let products = HostCheckerPolicy { monitor_products: vec!["openssl".into()], ..policy("p") };
    let patches = HostCheckerPolicy {
        monitor_patches: vec!["DSA-1-1".into()],
        ignore_severities: vec!["low".into(), "medium".into()],
        ..policy("q")
    };
    let config = with(vec![products, patches]);
    config.validate_for_commit().expect("patch monitoring commits");
    let bad = HostCheckerPolicy { ignore_severities: vec!["urgent".into()], ..policy("r") };
    let Problem::BadPolicy { reason } = only_problem(&with(vec![bad]), "host_checker.policies[0]") else {
        panic!("an unknown severity is refused");
    };
    assert!(reason.contains("severity \"urgent\""), "{reason}");
}

#[test]
fn the_patch_list_source_is_https_with_a_pinned_ca_and_a_bounded_interval() {
    let mut config = Config::default();
    config.host_checker.patch_list_url = Some("https://staging.example/patches.json".into());
    let Problem::Requires { requirement, .. } = only_problem(&config, "host_checker.patch_list_url") else {
        panic!("a URL without its CA is refused");
    };
    assert!(requirement.contains("patch_list_ca_file"), "{requirement}");
    config.host_checker.patch_list_ca_file = Some("/data/staging-ca.pem".into());
    assert_valid(&config, "a URL with its CA");
    config.host_checker.patch_list_url = Some("http://staging.example/patches.json".into());
    assert!(matches!(only_problem(&config, "host_checker.patch_list_url"), Problem::NotHttps { .. }));
    config.host_checker.patch_list_url = None;
    config.host_checker.patch_list_ca_file = Some("relative.pem".into());
    only_problem(&config, "host_checker.patch_list_ca_file");
    config.host_checker.patch_list_ca_file = None;
    config.host_checker.patch_list_interval_secs = 4;
    assert!(matches!(only_problem(&config, "host_checker.patch_list_interval_secs"), Problem::BelowMin { .. }));
    config.host_checker.patch_list_interval_secs = 700_000;
    assert!(matches!(only_problem(&config, "host_checker.patch_list_interval_secs"), Problem::AboveMax { .. }));
    assert_eq!(Config::default().host_checker.patch_list_interval_secs, postern_config::PATCH_LIST_INTERVAL_SECS);
}

#[test]
fn required_for_services_names_a_service_and_needs_the_verifier() {
    let mut config = with(vec![HostCheckerPolicy { required_for_services: vec!["crm".into()], ..policy("p") }]);
    config.apptunnel.client_ca_file = Some("/data/ca.pem".into());
    assert!(matches!(
        only_problem(&config, "host_checker.policies[0].required_for_services[0]"),
        Problem::Requires { .. }
    ));
    config.apptunnel.services.push(postern_config::AppTunnelService {
        name: "crm".into(),
        kind: postern_config::ServiceKind::Http,
        servers: vec!["10.0.0.1:80".into()],
    });
    let Problem::Requires { requirement, .. } =
        only_problem(&config, "host_checker.policies[0].required_for_services[0]")
    else {
        panic!()
    };
    assert!(requirement.contains("host_checker.enabled"), "{requirement}");
    config.host_checker.enabled = true;
    assert_valid(&config, "a service requiring a policy");
    let rules = config.host_checker.access_rules();
    assert_eq!(rules.roles.len(), 1);
    assert_eq!(rules.roles[0].name, "required-for:crm");
    assert_eq!(rules.roles[0].policies, ["p"]);
    assert_eq!(rules.roles[0].users, [postern_host_checker::UserMatch::Everyone]);
}

#[test]
fn required_for_activesync_needs_the_verifier() {
    let mut config = with(vec![HostCheckerPolicy { required_for_activesync: true, ..policy("p") }]);
    assert!(matches!(
        only_problem(&config, "host_checker.policies[0].required_for_activesync"),
        Problem::Requires { .. }
    ));
    config.host_checker.enabled = true;
    config.apptunnel.client_ca_file = Some("/data/ca.pem".into());
    assert_valid(&config, "with the verifier on");
    let rules = config.host_checker.access_rules();
    assert_eq!(rules.roles.len(), 1);
    assert!(rules.roles[0].activesync && rules.roles[0].policies == ["p"]);
}

#[test]
fn the_remediation_webhook_is_https_with_a_pinned_ca() {
    let mut config = Config::default();
    config.host_checker.remediation_webhook_url = Some("https://itsm.example/hook".into());
    let Problem::Requires { requirement, .. } = only_problem(&config, "host_checker.remediation_webhook_url") else {
        panic!("a webhook without its CA is refused");
    };
    assert!(requirement.contains("remediation_webhook_ca_file"), "{requirement}");
    config.host_checker.remediation_webhook_ca_file = Some("/data/itsm-ca.pem".into());
    assert_valid(&config, "a webhook with its CA");
    config.host_checker.remediation_webhook_url = Some("http://itsm.example/hook".into());
    assert!(matches!(only_problem(&config, "host_checker.remediation_webhook_url"), Problem::NotHttps { .. }));
}
