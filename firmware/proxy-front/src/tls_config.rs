//! The rustls server configuration: TLS 1.2 and 1.3 only, ring, ALPN `http/1.1`,
//! optional client-certificate verification against a configured CA.
//!
//! Every suite ring offers stays enabled, but the server picks by its own order, AES-128-GCM
//! first: its SHA-256 key schedule runs on the CPU's SHA instructions where ring's
//! SHA-384 does not, which makes a full handshake markedly cheaper, and AES-128 encrypts
//! bulk data faster than AES-256 at a security margin no practical attack approaches.
//! One TLS 1.3 session ticket is sent per connection (rustls sends two by default): a
//! client needs one to resume. Tickets are stateless (the session, client certificate
//! included, is encrypted into the ticket with a key held only in memory and rotated every
//! six hours), so resumption works for any number of devices at no memory per session.
//! Every configuration built gets a new key: a certificate or CA reload ends all earlier
//! sessions, and a device must pass the new chain of trust in a full handshake.

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

/// The oldest TLS version spoken (the configuration's `tls min-version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TlsFloor {
    /// TLS 1.2 and 1.3.
    #[default]
    Tls12,
    /// TLS 1.3 only.
    Tls13,
}

impl TlsFloor {
    /// The protocol versions rustls may negotiate, newest first.
    pub fn versions(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        static BOTH: [&rustls::SupportedProtocolVersion; 2] = [&rustls::version::TLS13, &rustls::version::TLS12];
        static ONLY_13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        match self {
            TlsFloor::Tls12 => &BOTH,
            TlsFloor::Tls13 => &ONLY_13,
        }
    }
}

/// Where the server's certificate chain and key are, the client-certificate policy and
/// the oldest TLS version accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsSettings {
    /// PEM file with the server certificate first, then its intermediates.
    pub cert_chain: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub private_key: PathBuf,
    /// Client-certificate policy.
    pub client_auth: ClientAuth,
    /// The oldest TLS version accepted from clients.
    pub floor: TlsFloor,
}

impl TlsSettings {
    /// Settings without client certificates, TLS 1.2 and 1.3.
    pub fn new(cert_chain: impl Into<PathBuf>, private_key: impl Into<PathBuf>) -> Self {
        Self {
            cert_chain: cert_chain.into(),
            private_key: private_key.into(),
            client_auth: ClientAuth::None,
            floor: TlsFloor::default(),
        }
    }
}

fn pem_error(what: &'static str, path: &Path) -> impl Fn(rustls::pki_types::pem::Error) -> FrontError {
    let path = path.to_owned();
    move |e| FrontError::Pem { what, path: path.clone(), reason: e.to_string() }
}

/// Reads every certificate in a PEM file; an empty file is an error.
fn read_certificates(what: &'static str, path: &Path) -> Result<Vec<CertificateDer<'static>>, FrontError> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(pem_error(what, path))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(pem_error(what, path))?;
    if certs.is_empty() {
        return Err(FrontError::NoCertificate { path: path.to_owned() });
    }
    Ok(certs)
}

/// Builds the server configuration from `settings`, checking that key and certificate match.
pub fn build_server_config(settings: &TlsSettings) -> Result<Arc<ServerConfig>, FrontError> {
    let chain = read_certificates("certificate chain", &settings.cert_chain)?;
    let key =
        PrivateKeyDer::from_pem_file(&settings.private_key).map_err(pem_error("private key", &settings.private_key))?;
    let provider = Arc::new(server_provider());
    let builder = ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_protocol_versions(settings.floor.versions())
        .map_err(|e| FrontError::Tls(e.to_string()))?;
    let builder = match &settings.client_auth {
        ClientAuth::None => builder.with_no_client_auth(),
        ClientAuth::Optional(ca) | ClientAuth::Required(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in read_certificates("client CA", ca)? {
                roots.add(cert).map_err(|e| FrontError::Tls(format!("client CA {}: {e}", ca.display())))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
            let verifier = if matches!(settings.client_auth, ClientAuth::Optional(_)) {
                verifier.allow_unauthenticated()
            } else {
                verifier
            };
            let verifier = verifier.build().map_err(|e| FrontError::Tls(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
    };
    let mut config = builder.with_single_cert(chain, key).map_err(|e| FrontError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    config.ignore_client_order = true;
    config.send_tls13_tickets = TLS13_TICKETS;
    // Stateless tickets: any number of clients can resume, at no memory per session. A
    // new ticket key comes with every configuration built, so a certificate or CA reload
    // ends every earlier session.
    config.ticketer = rustls::crypto::ring::Ticketer::new().map_err(|e| FrontError::Tls(e.to_string()))?;
    Ok(Arc::new(config))
}

/// Session tickets sent after each TLS 1.3 handshake.
const TLS13_TICKETS: usize = 1;

/// ring's provider with its cipher suites ordered by the server's preference: AES-128-GCM
/// before AES-256-GCM before ChaCha20-Poly1305, TLS 1.3 suites before TLS 1.2 ones.
fn server_provider() -> rustls::crypto::CryptoProvider {
    use rustls::CipherSuite as S;
    let rank = |suite: S| match suite {
        S::TLS13_AES_128_GCM_SHA256 => 0,
        S::TLS13_AES_256_GCM_SHA384 => 1,
        S::TLS13_CHACHA20_POLY1305_SHA256 => 2,
        S::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 | S::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => 3,
        S::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 | S::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => 4,
        _ => 5,
    };
    let mut provider = rustls::crypto::ring::default_provider();
    provider.cipher_suites.sort_by_key(|suite| rank(suite.suite()));
    provider
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aes_128_is_preferred_and_every_suite_stays_enabled() {
        let all = rustls::crypto::ring::default_provider().cipher_suites.len();
        let ordered: Vec<_> = server_provider().cipher_suites.iter().map(|s| s.suite()).collect();
        assert_eq!(ordered.len(), all);
        assert_eq!(ordered.first(), Some(&rustls::CipherSuite::TLS13_AES_128_GCM_SHA256));
        let position = |wanted| ordered.iter().position(|s| *s == wanted);
        assert!(
            position(rustls::CipherSuite::TLS13_AES_256_GCM_SHA384)
                < position(rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256)
        );
        assert!(
            position(rustls::CipherSuite::TLS13_CHACHA20_POLY1305_SHA256)
                < position(rustls::CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256)
        );
    }
}
