//! The rustls client configuration of the benchmark's own devices: trusting the
//! benchmark authority, presenting a device certificate.

use crate::shell::{Result, StepError};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use std::path::Path;
use std::sync::Arc;
use tokio_rustls::TlsConnector;

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn certs(path: &Path) -> Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<std::result::Result<Vec<_>, _>>)
        .map_err(|e| StepError(format!("reading certificates from {}: {e}", path.display())))?;
    if certs.is_empty() { Err(StepError(format!("{} holds no certificate", path.display()))) } else { Ok(certs) }
}

fn key(path: &Path) -> Result<PrivateKeyDer<'static>> {
    PrivateKeyDer::from_pem_file(path).map_err(|e| StepError(format!("reading the key {}: {e}", path.display())))
}

fn tls_error(what: &str) -> impl Fn(rustls::Error) -> StepError + '_ {
    move |e| StepError(format!("{what}: {e}"))
}

/// A TLS client trusting `ca`, presenting `identity` (certificate, key) when given.
pub(crate) fn connector(ca: &Path, identity: Option<(&Path, &Path)>) -> Result<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs(ca)? {
        roots.add(cert).map_err(tls_error("the trusted certificate"))?;
    }
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_error("TLS versions"))?
        .with_root_certificates(roots);
    let config = match identity {
        Some((cert, key_file)) => {
            builder.with_client_auth_cert(certs(cert)?, key(key_file)?).map_err(tls_error("the device certificate"))?
        }
        None => builder.with_no_client_auth(),
    };
    Ok(TlsConnector::from(Arc::new(config)))
}

/// A TLS client trusting `ca` that never resumes a session: every handshake is a full one.
pub(crate) fn fresh_connector(ca: &Path) -> Result<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in certs(ca)? {
        roots.add(cert).map_err(tls_error("the trusted certificate"))?;
    }
    let mut config = rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(tls_error("TLS versions"))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.resumption = rustls::client::Resumption::disabled();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// The name the server certificate is issued for.
pub(crate) fn server_name() -> ServerName<'static> {
    ServerName::IpAddress(std::net::IpAddr::from([127, 0, 0, 1]).into())
}
