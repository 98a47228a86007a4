//! The rustls server configuration: TLS 1.2 and 1.3 only, ring, ALPN `http/1.1`,
//! optional client-certificate verification against a configured CA.

use crate::error::FrontError;
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Whether and how clients present certificates (mutual TLS).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClientAuth {
    /// No client certificate is asked for.
    None,
    /// A certificate is asked for; when presented it must chain to the CA in the file,
    /// but clients without one are accepted (the service sees `client_cert: None`).
    Optional(PathBuf),
    /// A certificate chaining to the CA in the file is required.
    Required(PathBuf),
}

/// Where the server's certificate chain and key are, and the client-certificate policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM file with the server certificate first, then its intermediates.
    pub cert_chain: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub private_key: PathBuf,
    /// Client-certificate policy.
    pub client_auth: ClientAuth,
}

impl TlsSettings {
    /// Settings without client certificates.
    pub fn new(cert_chain: impl Into<PathBuf>, private_key: impl Into<PathBuf>) -> Self {
        Self {
            cert_chain: cert_chain.into(),
            private_key: private_key.into(),
            client_auth: ClientAuth::None,
        }
    }
}

fn pem_error(
    what: &'static str,
    path: &Path,
) -> impl Fn(rustls::pki_types::pem::Error) -> FrontError {
    let path = path.to_owned();
    move |e| FrontError::Pem {
        what,
        path: path.clone(),
        reason: e.to_string(),
    }
}

/// Reads every certificate in a PEM file; an empty file is an error.
fn read_certificates(
    what: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, FrontError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(pem_error(what, path))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem_error(what, path))?;
    if certs.is_empty() {
        return Err(FrontError::NoCertificate {
            path: path.to_owned(),
        });
    }
    Ok(certs)
}

/// Builds the server configuration from `settings`, checking that key and certificate match.
pub fn build_server_config(settings: &TlsSettings) -> Result<Arc<ServerConfig>, FrontError> {
    let chain = read_certificates("certificate chain", &settings.cert_chain)?;
    let key = PrivateKeyDer::from_pem_file(&settings.private_key)
        .map_err(pem_error("private key", &settings.private_key))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(|e| FrontError::Tls(e.to_string()))?;
    let builder = match &settings.client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Optional(ca) | ClientAuth::Required(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in read_certificates("client CA", ca)? {
                roots
                    .add(cert)
                    .map_err(|e| FrontError::Tls(format!("client CA {}: {e}", ca.display())))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if matches!(settings.client_auth, ClientAuth::Optional(_)) {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier
                .build()
                .map_err(|e| FrontError::Tls(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder
        .with_single_cert(chain, key)
        .map_err(|e| FrontError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
