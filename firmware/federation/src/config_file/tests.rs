//! The JSON file maps onto the core's configuration; bad rules and PEM files are refused.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::test_support::TestSigner;

fn file(dir: &Path, rules: serde_json::Value) -> ServerFile {
    let signer = TestSigner::new("postern");
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, pem("CERTIFICATE", &signer.cert_der)).unwrap();
    std::fs::write(&key, pem("PRIVATE KEY", &signer.key_der())).unwrap();
    let json = serde_json::json!({
        "listen": "127.0.0.1:0", "tls_cert": cert, "tls_key": key,
        "pairing": {"sp_entity_id": "sp", "sp_acs_urls": ["https://sp/acs"], "idp_entity_id": "idp",
                    "idp_sso_url": "https://idp/sso", "idp_signing_certs": [cert]},
        "local": {"idp_entity_id": "p-idp", "idp_sso_url": "https://p/sso", "sp_entity_id": "p-sp",
                  "acs_url": "https://p/acs", "signing_key": key, "signing_cert": cert},
        "rules": rules,
        "released_attributes": ["groups"],
        "devices": {"d1": {"platform": "iOS", "compliant": true}}
    });
    let path = dir.join("config.json");
    std::fs::write(&path, serde_json::to_vec(&json).unwrap()).unwrap();
    read(&path).unwrap()
}

fn pem(label: &str, der: &[u8]) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).unwrap()).collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

#[test]
fn every_field_reaches_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let rules = serde_json::json!([
        {"name": "r", "postures": ["managed-compliant", "managed-non-compliant", "unmanaged"],
         "platforms": ["iOS"], "apps": ["Mail"], "networks": ["10.0.0.0/8"], "groups": ["staff"],
         "action": "deny", "message": "why", "remedy": "what"},
        {"name": "w", "action": "warn", "message": "careful"},
        {"name": "a", "action": "allow"}
    ]);
    let server = file(dir.path(), rules);
    let config = server.federation_config().unwrap();
    assert_eq!(config.pairing.idp_signing_certs_der.len(), 1);
    assert_eq!(config.local.signing_cert_der, config.pairing.idp_signing_certs_der[0]);
    assert!(!config.local.signing_key_der.is_empty());
    assert_eq!(config.released_attributes, vec!["groups".to_owned()]);
    let first = &config.rules[0];
    assert_eq!(first.postures, vec![Posture::ManagedCompliant, Posture::ManagedNonCompliant, Posture::Unmanaged]);
    assert_eq!(
        (first.platforms.clone(), first.apps.clone(), first.groups.clone()),
        (vec!["iOS".to_owned()], vec!["Mail".to_owned()], vec!["staff".to_owned()])
    );
    assert!(first.networks[0].contains("10.9.9.9".parse().unwrap()));
    assert_eq!(first.action, Action::Deny { reason: "why".into(), remedy: "what".into() });
    assert_eq!(config.rules[1].action, Action::Warn { message: "careful".into() });
    assert_eq!(config.rules[2].action, Action::Allow);
    let devices = DeviceTable(server.devices);
    assert_eq!(devices.lookup("d1"), Some(DeviceRecord { platform: "iOS".into(), compliant: true }));
}

#[test]
fn bad_rules_are_refused_with_their_name() {
    let dir = tempfile::tempdir().unwrap();
    for (rule, expected) in [
        (serde_json::json!({"name": "p", "postures": ["jailbroken"], "action": "allow"}), "unknown posture"),
        (serde_json::json!({"name": "n", "networks": ["10.0.0.0/40"], "action": "allow"}), "not a network prefix"),
        (serde_json::json!({"name": "x", "action": "quarantine"}), "unknown action"),
    ] {
        let error = file(dir.path(), serde_json::json!([rule])).federation_config().unwrap_err();
        assert!(error.to_string().contains(expected), "{error}");
    }
}

#[test]
fn unknown_keys_and_bad_pem_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.json");
    std::fs::write(&path, br#"{"listen": "127.0.0.1:0", "surprise": 1}"#).unwrap();
    assert!(matches!(read(&path), Err(ConfigFileError::Json { .. })));
    let mut server = file(dir.path(), serde_json::json!([]));
    let junk = dir.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    server.pairing.idp_signing_certs = vec![junk];
    assert!(matches!(server.federation_config(), Err(ConfigFileError::Pem { what: "certificate", .. })));
}
