//! TLS failures are reported as an unreachable UEM, with the reason: a certificate from
//! an untrusted CA, an expired one, one for another name. And the connector refuses to
//! be built without what it needs.

#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod common;

use common::{Certs, Uem};
use postern_config::PosternApiConnector as ApiConfig;
use postern_decision::GatewayId;
use postern_uem_connector::{PosternApiConnector, SetupError, UemConnector, UemError};
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, date_time_ymd};
use std::path::{Path, PathBuf};

/// A test CA written to `dir/NAME-ca.pem`, and its issuer.
fn make_ca(dir: &Path, name: &str) -> (PathBuf, Issuer<'static, KeyPair>) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, format!("{name} test CA"));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    let key = KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let path = dir.join(format!("{name}-ca.pem"));
    std::fs::write(&path, cert.pem()).unwrap();
    (path, Issuer::new(params, key))
}

/// A server certificate for `names`, valid from `from` to `until` (years), signed by
/// `issuer`, written to `dir/NAME.pem` and `dir/NAME-key.pem`.
fn make_server_cert(
    dir: &Path,
    name: &str,
    names: &[&str],
    (from, until): (i32, i32),
    issuer: &Issuer<'static, KeyPair>,
) -> Certs {
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let mut params = CertificateParams::new(names).unwrap();
    params.distinguished_name.push(DnType::CommonName, name);
    params.not_before = date_time_ymd(from, 1, 1);
    params.not_after = date_time_ymd(until, 1, 1);
    let key = KeyPair::generate().unwrap();
    let cert = params.signed_by(&key, issuer).unwrap();
    let (cert_path, key_path) = (dir.join(format!("{name}.pem")), dir.join(format!("{name}-key.pem")));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();
    Certs::Given { cert: cert_path, key: key_path }
}

fn unreachable_reason(err: UemError) -> String {
    match err {
        UemError::Unreachable { reason, .. } => reason,
        other => panic!("expected an unreachable UEM, got {other}"),
    }
}

#[tokio::test]
async fn a_certificate_from_an_untrusted_ca_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let uem = Uem::start(dir.path(), Certs::SelfSigned);
    let (other_ca, _) = make_ca(dir.path(), "other");
    let api = uem.connector_for("gw1", common::TOKEN, &other_ca);
    let reason = unreachable_reason(api.register().await.unwrap_err());
    assert!(reason.contains("UnknownIssuer"), "{reason}");
}

#[tokio::test]
async fn an_expired_certificate_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, issuer) = make_ca(dir.path(), "site");
    let certs = make_server_cert(dir.path(), "expired", &["localhost", "127.0.0.1"], (2020, 2021), &issuer);
    let uem = Uem::start(dir.path(), certs);
    let api = uem.connector_for("gw1", common::TOKEN, &ca);
    let reason = unreachable_reason(api.register().await.unwrap_err());
    assert!(reason.contains("certificate expired"), "{reason}");
}

#[tokio::test]
async fn a_certificate_for_another_name_is_unreachable() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, issuer) = make_ca(dir.path(), "site");
    let certs = make_server_cert(dir.path(), "elsewhere", &["uem.example.net"], (2020, 2099), &issuer);
    let uem = Uem::start(dir.path(), certs);
    let api = uem.connector_for("gw1", common::TOKEN, &ca);
    let reason = unreachable_reason(api.register().await.unwrap_err());
    assert!(reason.contains("not valid for name"), "{reason}");

    // The same CA and a certificate for the right name: accepted.
    drop(uem);
    let good = make_server_cert(dir.path(), "good", &["localhost"], (2020, 2099), &issuer);
    let uem = Uem::start(dir.path(), good);
    assert!(uem.connector_for("gw1", common::TOKEN, &ca).register().await.is_ok());
}

#[test]
fn the_connector_is_not_built_without_a_ca_file_or_credentials() {
    let gw = GatewayId::new("gw1").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "t0ken").unwrap();
    let (ca, _) = make_ca(dir.path(), "site");
    let config =
        ApiConfig { url: "https://uem.example.com".into(), ca_file: None, gateway_credentials: Some(token.clone()) };
    let err = PosternApiConnector::from_config(&config, &gw).unwrap_err();
    assert!(matches!(&err, SetupError::Missing { setting, .. } if setting == "uem.connector.ca_file"), "{err}");

    let no_token = ApiConfig { ca_file: Some(ca.clone()), gateway_credentials: None, ..config.clone() };
    let err = PosternApiConnector::from_config(&no_token, &gw).unwrap_err();
    assert!(err.to_string().starts_with("uem.connector.gateway_credentials is required"), "{err}");

    let plain = ApiConfig { url: "http://uem.example.com".into(), ca_file: Some(ca.clone()), ..config.clone() };
    let err = PosternApiConnector::from_config(&plain, &gw).unwrap_err();
    assert!(err.to_string().starts_with("uem.connector.url"), "{err}");

    let fine = ApiConfig { ca_file: Some(ca), ..config };
    let api = PosternApiConnector::from_config(&fine, &gw).unwrap();
    assert_eq!(api.base_url(), "https://uem.example.com");
}
