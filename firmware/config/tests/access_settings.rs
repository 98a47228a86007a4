//! `[tls]`, `[[users]]` and `[accs]`: every rule refuses a bad value and names the setting.

mod common;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use common::{assert_valid, only_problem};
use postern_config::{Config, Privilege, Problem, TlsVersion, User};
use std::path::PathBuf;

/// Real key lines, as `ssh-keygen` wrote them.
const ED25519: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPenvWdOl8DYC77+csuqHME/l8xmn52MizfqavJ3gsOm ed25519@example";
const ECDSA_256: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBHvI0E3fP1Z0U23+RRsiFy6ibhIhmRJLIp8sPWZR4sY8aveNIuG4BXpuYWEF0UDW7CZ+G8tKZyoQHDmBQGmFpAQ= ecdsa256@example";
const ECDSA_384: &str = "ecdsa-sha2-nistp384 AAAAE2VjZHNhLXNoYTItbmlzdHAzODQAAAAIbmlzdHAzODQAAABhBBJoaanixvlbLhj7Q+GEX+zi2c8MzLvN/iV1Rf885wZ5TVOgV1dvTaTYvNp1qpRraQV29jj1mJT/E3kaEpnOVR+LkZXE1HXxWEfPLvV+RE0I8gKFNicuvIRjjHUXf/VucA== ecdsa384@example";
const ECDSA_521: &str = "ecdsa-sha2-nistp521 AAAAE2VjZHNhLXNoYTItbmlzdHA1MjEAAAAIbmlzdHA1MjEAAACFBACHJe9has2NjR2gOL9ucSTZ5gH9a5lRFqMdAvcGGQm9rZo+Pl3iojEA4y2gjyk9k3AJebTgUGLoI81wPio3qAZwHgEh4+XUswD8sGpmnU/xAcYlEecUj6Nn4c3kYxMRaJhThngsa4CwDiGYbgvDU9gQWYCO5ha5QuQOPTjD8i65uBPXIg== ecdsa521@example";
const RSA_2048: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCi6SmHqQe2Q68/EnJ3ZiCNR2UBwlKQiHC6bS0l0gD7bhaESsnVXwpOKuo9h7ou0w6jweAMhF0Kyeul8lxwqoXOUY3KxtefQHI043nemMKpMkquB/MqbxdkFMrlGyVYeW2JhVk7HnDYtj4F4EO3RoEQxK0VGWeymruIcYcntV82pE/fMwLGQvayOhvuuuJWd+c5v3QpEYitXdPYc2CrdKaL6/sdBp7eEvDzIWMazRddBSwC7ZMh97ApqeRhOXfA3uLakVlQUtK0KrTgRm+MTrSy5oKcXTc7OwHpKxUQEZTAytEP+a2zz6bcy/yy8DL3GvLurhOJYDMcjneuWVKfAlx7 rsa2048@example";
const RSA_1024: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQDdMsDQN8mKLtwBNysviOjg5DFnarRZZ7+mV1GUWLAppYTzXNS5Ptd3+PytpNq1Zwcpg1e7c2lJy2PglEaso7DM80bCcEXbCXszUPPN7P1vsKV80jukJsTlex0SeVUMYpO8hZhhOiHS/K+QQV72jd24pqUOlBXGPY7jobcrQeEOTQ== rsa1024@example";

fn user(name: &str, keys: &[&str]) -> User {
    User {
        name: name.into(),
        privilege: Privilege::Administrator,
        ssh_keys: keys.iter().map(|k| (*k).to_owned()).collect(),
    }
}

fn with_users(users: Vec<User>) -> Config {
    Config { users, ..Config::default() }
}

/// An SSH wire `string`.
fn string(bytes: &[u8]) -> Vec<u8> {
    let mut out = u32::try_from(bytes.len()).expect("short").to_be_bytes().to_vec();
    out.extend_from_slice(bytes);
    out
}

/// A key line of `line_type` whose blob is the concatenated `fields`.
fn line(line_type: &str, fields: &[&[u8]]) -> String {
    let blob: Vec<u8> = fields.iter().flat_map(|f| string(f)).collect();
    format!("{line_type} {} crafted", STANDARD.encode(blob))
}

fn key_problem(key: &str) -> String {
    let config = with_users(vec![user("admin", &[ED25519, key])]);
    match only_problem(&config, "users[0].ssh_keys[1]") {
        Problem::BadSshKey { reason } => reason,
        other => panic!("{key}: expected a key problem, got {other}"),
    }
}

#[test]
fn tls_defaults_to_no_certificate_and_tls_1_2() {
    let tls = Config::default().tls;
    assert_eq!(tls.certificate_file, None);
    assert_eq!(tls.key_file, None);
    assert_eq!(tls.min_version, TlsVersion::Tls12);
}

#[test]
fn tls_files_are_absolute_and_come_in_pairs() {
    let mut config = Config::default();
    config.tls.certificate_file = Some(PathBuf::from("/etc/postern/tls/cert.pem"));
    assert_eq!(
        only_problem(&config, "tls.key_file"),
        Problem::Missing { because: "tls.certificate_file is set".into() }
    );
    config.tls.key_file = Some(PathBuf::from("key.pem"));
    assert!(matches!(only_problem(&config, "tls.key_file"), Problem::NotAbsolute { .. }));
    config.tls.certificate_file = None;
    config.tls.key_file = Some(PathBuf::from("/etc/postern/tls/key.pem"));
    assert!(matches!(only_problem(&config, "tls.certificate_file"), Problem::Missing { .. }));
    config.tls.certificate_file = Some(PathBuf::from("cert.pem"));
    assert!(matches!(only_problem(&config, "tls.certificate_file"), Problem::NotAbsolute { .. }));
    config.tls.certificate_file = Some(PathBuf::from("/etc/postern/tls/cert.pem"));
    config.tls.min_version = TlsVersion::Tls13;
    assert_valid(&config, "a certificate, its key and TLS 1.3");
}

#[test]
fn tls_older_than_1_2_is_refused_by_name() {
    for old in ["1.0", "1.1", "1", "SSLv3"] {
        let text = format!("[tls]\nmin_version = \"{old}\"\n");
        let message = Config::from_toml_str(&text).expect_err("refused").to_string();
        assert!(message.contains("min_version") && message.contains("`1.2`"), "{old}: {message}");
    }
    let config = Config::from_toml_str("[tls]\nmin_version = \"1.3\"\n").expect("1.3 loads");
    assert_eq!(config.tls.min_version, TlsVersion::Tls13);
}

#[test]
fn no_users_by_default() {
    assert!(Config::default().users.is_empty());
}

#[test]
fn user_names_are_short_lower_case_and_unique() {
    let at = "users[0].name";
    assert_eq!(only_problem(&with_users(vec![user("", &[])]), at), Problem::Empty);
    assert!(matches!(
        only_problem(&with_users(vec![user(&"a".repeat(33), &[])]), at),
        Problem::TooLong { len: 33, max: 32 }
    ));
    for (bad, found) in [("Admin", 'A'), ("ad min", ' '), ("ad.min", '.'), ("-admin", '-')] {
        assert!(
            matches!(
                only_problem(&with_users(vec![user(bad, &[])]), at),
                Problem::BadChar { found: f, .. } if f == found
            ),
            "{bad}"
        );
    }
    for good in ["a", "noc_2", "ops-team", &"a".repeat(32), "0day"] {
        assert_valid(&with_users(vec![user(good, &[])]), good);
    }
    let twins = with_users(vec![user("ops", &[]), user("ops", &[])]);
    assert_eq!(
        only_problem(&twins, "users[1].name"),
        Problem::Duplicate { value: "ops".into(), first: "users[0].name".into() }
    );
}

#[test]
fn real_key_lines_of_every_accepted_type_are_valid() {
    let keys = [ED25519, ECDSA_256, ECDSA_384, ECDSA_521, RSA_2048];
    assert_valid(&with_users(vec![user("admin", &keys)]), "every key type");
    let no_comment = ED25519.rsplit_once(' ').map(|(k, _)| k).expect("has a comment");
    let spaced_comment = format!("{no_comment} Jane Doe's laptop");
    let config = with_users(vec![user("a", &[no_comment]), user("b", &[&spaced_comment])]);
    let errors = config.validate().expect_err("the same key twice");
    assert_eq!(errors.len(), 1, "{errors}");
    assert_eq!(errors.errors()[0].path, "users[1].ssh_keys[0]");
    assert!(
        matches!(&errors.errors()[0].problem, Problem::Duplicate { first, .. } if first == "users[0].ssh_keys[0]"),
        "{errors}"
    );
}

#[test]
fn malformed_key_lines_are_refused() {
    let ed_blob = ED25519.split(' ').nth(1).expect("blob");
    let cases = [
        (String::new(), "empty"),
        ("ssh-dss AAAAB3NzaC1kc3M= x".to_owned(), "not an accepted key type"),
        (format!("from=\"10.0.0.1\" ssh-ed25519 {ed_blob}"), "not an accepted key type"),
        ("ssh-ed25519".to_owned(), "missing"),
        ("ssh-ed25519 not*base64".to_owned(), "not valid base64"),
        (format!("ssh-rsa {ed_blob} mislabelled"), "another type"),
        (format!("ecdsa-sha2-nistp256 {ed_blob}"), "another type"),
        (format!("{ED25519}\nssh-ed25519 {ed_blob}"), "control characters"),
        (format!("ssh-ed25519 {}", "A".repeat(8 * 1024)), "longer than"),
        (RSA_1024.to_owned(), "shorter than 2048 bits"),
        (line("ssh-ed25519", &[b"ssh-ed25519", &[7; 31]]), "not 32 bytes"),
        (line("ssh-ed25519", &[b"ssh-ed25519", &[7; 32], b"x"]), "trailing"),
        (line("ssh-ed25519", &[b"ssh-ed25519"]), "truncated"),
        (line("ecdsa-sha2-nistp256", &[b"ecdsa-sha2-nistp256", b"nistp384", &[4; 65]]), "curve"),
        (line("ecdsa-sha2-nistp256", &[b"ecdsa-sha2-nistp256", b"nistp256", &[2; 33]]), "point"),
        (line("ssh-rsa", &[b"ssh-rsa", &[1], &[0xff; 256]]), "exponent"),
        (line("ssh-rsa", &[b"ssh-rsa", &[1, 0, 1], &[0, 0x7f, 0xff]]), "2048 bits"),
    ];
    for (key, expected) in cases {
        let reason = key_problem(&key);
        assert!(reason.contains(expected), "{key:?}: {reason}");
    }
    let truncated = format!("ssh-ed25519 {}", STANDARD.encode([0, 0, 0, 11, b's']));
    assert!(key_problem(&truncated).contains("truncated"));
}

#[test]
fn rsa_bit_length_is_counted_exactly() {
    let mut modulus = vec![0u8; 257];
    modulus[1] = 0x80; // 0x00 0x80 …: exactly 2048 bits
    let exact = line("ssh-rsa", &[b"ssh-rsa", &[1, 0, 1], &modulus]);
    assert_valid(&with_users(vec![user("a", &[&exact])]), "a 2048-bit modulus");
    let mut short = vec![0u8; 257];
    short[1] = 0x7f; // 2047 bits
    let short = line("ssh-rsa", &[b"ssh-rsa", &[1, 0, 1], &short]);
    assert!(key_problem(&short).contains("shorter than 2048 bits"));
}

#[test]
fn accs_defaults_to_no_portal_and_a_15_minute_sync() {
    let accs = Config::default().accs;
    assert_eq!(accs.portal_url, None);
    assert_eq!(accs.sync_interval_secs, 900);
}

#[test]
fn accs_settings_are_checked() {
    let mut config = Config::default();
    config.accs.ca_file = Some("/etc/postern/portal-ca.pem".into());
    config.accs.token_file = Some("/etc/postern/portal-token".into());
    config.accs.portal_url = Some("http://portal.example.com".into());
    assert_eq!(only_problem(&config, "accs.portal_url"), Problem::NotHttps { scheme: "http".into() });
    config.accs.portal_url = Some("https://portal.example.com/accs".into());
    assert_valid(&config, "an https portal");
    config.accs.sync_interval_secs = 4;
    assert_eq!(only_problem(&config, "accs.sync_interval_secs"), Problem::BelowMin { value: 4, min: 5 });
    config.accs.sync_interval_secs = 86_401;
    assert!(matches!(only_problem(&config, "accs.sync_interval_secs"), Problem::AboveMax { .. }));
    for good in [5, 86_400] {
        config.accs.sync_interval_secs = good;
        assert_valid(&config, "a bound");
    }
    config.accs.token_file = Some("relative/token".into());
    assert!(matches!(only_problem(&config, "accs.token_file"), Problem::NotAbsolute { .. }));
}

#[test]
fn the_revocation_ca_file_is_absolute() {
    let mut config = Config::default();
    assert_eq!(config.accs.revocation_ca_file, None);
    config.accs.revocation_ca_file = Some("revocation-ca.pem".into());
    assert!(matches!(only_problem(&config, "accs.revocation_ca_file"), Problem::NotAbsolute { .. }));
    config.accs.revocation_ca_file = Some("/etc/postern/revocation-ca.pem".into());
    assert_valid(&config, "an absolute CA file");
}

#[test]
fn the_federation_url_is_an_https_base_url() {
    let mut config = Config::default();
    assert_eq!((config.accs.federation_listen, config.accs.federation_url.as_deref()), (None, None));
    config.accs.federation_listen = Some("0.0.0.0:8443".parse().expect("address"));
    config.accs.federation_url = Some("http://sso.example.com".into());
    assert_eq!(only_problem(&config, "accs.federation_url"), Problem::NotHttps { scheme: "http".into() });
    for with_more in ["https://sso.example.com/saml", "https://sso.example.com/?a=1", "https://sso.example.com#x"] {
        config.accs.federation_url = Some(with_more.into());
        assert!(matches!(only_problem(&config, "accs.federation_url"), Problem::BadUrl { .. }), "{with_more}");
    }
    for good in ["https://sso.example.com", "https://sso.example.com:8443/", "https://[2001:db8::1]:8443"] {
        config.accs.federation_url = Some(good.into());
        assert_valid(&config, good);
    }
}

#[test]
fn a_portal_needs_its_ca_and_token_files_and_then_commits() {
    let mut config = Config::default();
    config.accs.portal_url = Some("https://portal.example.com".into());
    let refused = config.validate_for_commit().expect_err("no CA, no token");
    for path in ["accs.ca_file", "accs.token_file"] {
        let problem = &refused.get(path).unwrap_or_else(|| panic!("{path} is named: {refused}")).problem;
        assert!(matches!(problem, Problem::Missing { .. }), "{path}: {problem}");
    }
    config.accs.ca_file = Some("/etc/postern/portal-ca.pem".into());
    config.accs.token_file = Some("/etc/postern/portal-token".into());
    config.accs.sync_interval_secs = 600;
    assert!(config.validate_for_commit().is_ok(), "portal sync is built: its settings commit");
}
