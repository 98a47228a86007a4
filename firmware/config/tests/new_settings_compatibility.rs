//! The interface, management, TLS, AppTunnel, user and portal settings came without a version bump:
//! version-1 files written before them still load, and files using them round-trip.

use postern_config::{
    AccsSettings, AppTunnelService, AppTunnelSettings, CURRENT_VERSION, Config, DEMO_TOML, Interface, Privilege,
    ServiceKind, TlsSettings, TlsVersion, User,
};

const ED25519: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPenvWdOl8DYC77+csuqHME/l8xmn52MizfqavJ3gsOm admin@example";

/// A full version-1 file as written before these settings existed.
const OLD_MINIMAL: &str = "version = 1\n\n[gateway]\nid = \"edge-7\"\nhostname = \"edge\"\n\n\
                           [uem.connector]\nkind = \"postern-api\"\nurl = \"https://uem.example.com\"\n";

fn assert_new_sections_default(config: &Config) {
    let defaults = Config::default();
    assert!(config.interfaces.is_empty());
    assert_eq!(config.management, defaults.management);
    assert_eq!(config.tls, defaults.tls);
    assert_eq!(config.apptunnel, defaults.apptunnel);
    assert_eq!(config.accs, defaults.accs);
    assert!(config.users.is_empty());
}

#[test]
fn the_version_stays_1() {
    assert_eq!(CURRENT_VERSION, 1);
}

#[test]
fn the_version_1_demo_still_loads_with_the_new_sections_defaulted() {
    assert!(DEMO_TOML.contains("version = 1"));
    let demo = Config::from_toml_str(DEMO_TOML).expect("the demo loads");
    assert_new_sections_default(&demo);
    assert_eq!(demo.gateway.hostname, "postern-demo");
}

#[test]
fn an_old_minimal_file_still_loads() {
    let config = Config::from_toml_str(OLD_MINIMAL).expect("an old file loads");
    assert_new_sections_default(&config);
    assert_eq!(config.gateway.id, "edge-7");
}

#[test]
fn defaults_write_no_empty_lists_or_absent_values() {
    let text = Config::default().to_toml_string().expect("serialises");
    for absent in ["interfaces", "users", "services", "portal_url", "certificate_file"] {
        assert!(!text.contains(absent), "{absent} written:\n{text}");
    }
    for present in ["[tls]", "min_version = \"1.2\"", "[apptunnel]", "[accs]"] {
        assert!(text.contains(present), "{present} missing:\n{text}");
    }
}

fn everything() -> Config {
    let mut config = Config::demo();
    config.interfaces = vec![
        Interface {
            addresses: vec!["192.0.2.10/24".into(), "2001:db8::10/64".into()],
            gateway: Some("192.0.2.1".into()),
            ..Interface::named("eth0")
        },
        Interface { shutdown: true, ..Interface::named("eth1") },
    ];
    config.tls = TlsSettings {
        certificate_file: Some("/etc/postern/tls/cert.pem".into()),
        key_file: Some("/etc/postern/tls/key.pem".into()),
        min_version: TlsVersion::Tls13,
    };
    config.apptunnel = AppTunnelSettings {
        idle_timeout_secs: 600,
        services: vec![
            AppTunnelService {
                name: "intranet".into(),
                kind: ServiceKind::Http,
                servers: vec!["*.corp.example:443".into(), "wiki.example:8443".into()],
            },
            AppTunnelService { name: "db".into(), kind: ServiceKind::Tcp, servers: vec!["[2001:db8::5]:5432".into()] },
        ],
        client_ca_file: Some("/etc/postern/device-ca.pem".into()),
        identity_from_common_name: true,
        proxy_protocol_from: vec!["10.0.5.0/28".into()],
    };
    config.activesync.proxy_protocol_from = vec!["10.0.5.0/28".into(), "2001:db8:5::/64".into()];
    config.accs = AccsSettings {
        portal_url: Some("https://portal.example.com".into()),
        ca_file: Some("/etc/postern/portal-ca.pem".into()),
        token_file: Some("/etc/postern/portal-token".into()),
        sync_interval_secs: 300,
        federation_listen: Some("0.0.0.0:8443".parse().expect("address")),
        federation_url: Some("https://sso.example.com".into()),
        revocation_ca_file: Some("/etc/postern/revocation-ca.pem".into()),
    };
    config.users = vec![
        User { name: "admin".into(), privilege: Privilege::Administrator, ssh_keys: vec![ED25519.into()] },
        User { name: "noc".into(), privilege: Privilege::Operator, ssh_keys: Vec::new() },
    ];
    config
}

#[test]
fn every_new_setting_round_trips() {
    let config = everything();
    assert_eq!(config.validate(), Ok(()));
    let text = config.to_toml_string().expect("serialises");
    let back = Config::from_toml_str(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(back, config, "{text}");
    assert!(text.contains("[[interfaces]]"), "{text}");
    assert!(text.contains("[[apptunnel.services]]"), "{text}");
    assert!(text.contains("[[users]]"), "{text}");
}

#[test]
fn new_settings_written_by_hand_load_with_their_defaults() {
    let text = "[[interfaces]]\nname = \"eth0\"\naddresses = [\"192.0.2.10/24\"]\n\n\
                [[apptunnel.services]]\nname = \"crm\"\nkind = \"tcp\"\nservers = [\"crm.example:443\"]\n\n\
                [[users]]\nname = \"noc\"\n";
    let config = Config::from_toml_str(text).expect("loads");
    let eth0 = &config.interfaces[0];
    assert_eq!((eth0.gateway.as_deref(), eth0.shutdown), (None, false));
    assert_eq!(config.apptunnel.idle_timeout_secs, 300);
    assert_eq!(config.users[0].privilege, Privilege::Operator);
    assert!(config.users[0].ssh_keys.is_empty());
}

#[test]
fn unknown_keys_in_the_new_sections_are_refused_by_name() {
    let cases = [
        ("[[interfaces]]\nname = \"eth0\"\nspeed = 1000\n", "speed"),
        ("[tls]\nciphers = \"all\"\n", "ciphers"),
        ("[apptunnel]\nidle_timeout = 5\n", "idle_timeout"),
        ("[[users]]\nname = \"a\"\npassword = \"x\"\n", "password"),
        ("[accs]\nportal = \"https://p.example\"\n", "portal"),
    ];
    for (text, key) in cases {
        let message = Config::from_toml_str(text).expect_err("refused").to_string();
        assert!(message.contains(&format!("unknown field `{key}`")), "{message}");
    }
    let message =
        Config::from_toml_str("[[users]]\nname = \"a\"\nprivilege = \"root\"\n").expect_err("refused").to_string();
    assert!(message.contains("root") && message.contains("administrator"), "{message}");
}
