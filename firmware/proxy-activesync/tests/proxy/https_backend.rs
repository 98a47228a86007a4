//! An https back end, verified against the configured CA file only.

use crate::harness::backend;
use crate::harness::client::send;
use crate::harness::setup::{ALLOWED, Harness, plain};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::PathBuf;
use std::sync::Arc;
use tokio_rustls::TlsAcceptor;

fn ca() -> CertifiedIssuer<'static, KeyPair> {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap()
}

fn acceptor(ca: &CertifiedIssuer<'static, KeyPair>) -> TlsAcceptor {
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["localhost".to_owned()]).unwrap().signed_by(&key, ca).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert.der().to_vec())], key)
        .unwrap();
    TlsAcceptor::from(Arc::new(config))
}

fn ca_file(dir: &tempfile::TempDir, ca: &CertifiedIssuer<'static, KeyPair>) -> PathBuf {
    let path = dir.path().join("backend-ca.pem");
    std::fs::write(&path, ca.pem()).unwrap();
    path
}

#[tokio::test]
async fn an_https_backend_signed_by_the_configured_ca_is_reached() {
    let dir = tempfile::tempdir().unwrap();
    let issuer = ca();
    let backend = backend::start_tls(acceptor(&issuer)).await;
    let url = format!("https://localhost:{}", backend.addr.port());
    let file = ca_file(&dir, &issuer);
    let h = Harness::with_backend(&url, Some(backend), |c| c.backend_ca_file = Some(file)).await;
    let answer = send(h.addr, "POST", &plain("Sync", ALLOWED, "alice@example.com"), &[]).await;
    assert_eq!(answer.status, 200, "{}", answer.text());
    assert_eq!(h.hits(), 1);
    assert_eq!(
        h.backend.as_ref().unwrap().record.last().headers["host"],
        format!("localhost:{}", h.backend.as_ref().unwrap().addr.port()).as_str()
    );
}

#[tokio::test]
async fn an_https_backend_signed_by_another_ca_gives_502() {
    let dir = tempfile::tempdir().unwrap();
    let backend = backend::start_tls(acceptor(&ca())).await;
    let url = format!("https://localhost:{}", backend.addr.port());
    let file = ca_file(&dir, &ca());
    let h = Harness::with_backend(&url, Some(backend), |c| c.backend_ca_file = Some(file)).await;
    let answer = send(h.addr, "POST", &plain("Sync", ALLOWED, "alice@example.com"), &[]).await;
    assert_eq!(answer.status, 502);
    assert_eq!(h.hits(), 0);
}

#[tokio::test]
async fn an_https_backend_without_a_ca_file_is_refused_at_set_up() {
    let dir = tempfile::tempdir().unwrap();
    let gateway_less = postern_proxy_activesync::ProxyConfig::new("https://mail.example.com").unwrap();
    assert!(gateway_less.backend_ca_file.is_none());
    let missing = dir.path().join("absent.pem");
    let h = Harness::start(|_| {}).await;
    let err = postern_proxy_activesync::ActiveSyncProxy::new(h.gateway.clone(), gateway_less.clone()).unwrap_err();
    assert!(err.to_string().contains("no CA file"), "{err}");
    let mut with_missing = gateway_less;
    with_missing.backend_ca_file = Some(missing);
    let err = postern_proxy_activesync::ActiveSyncProxy::new(h.gateway.clone(), with_missing).unwrap_err();
    assert!(err.to_string().contains("absent.pem"), "{err}");
}
