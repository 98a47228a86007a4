//! Trust anchors from PEM bundles and the rustls client configuration of the gateway's
//! outbound TLS connections.

use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};

/// Why a PEM bundle gives no usable trust anchors.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RootsError {
    /// The PEM text is malformed.
    #[error("malformed PEM: {0}")]
    Malformed(String),
    /// A certificate in it cannot be a trust anchor.
    #[error("unusable certificate: {0}")]
    Unusable(String),
    /// It holds no certificate at all (or, for a system bundle, no usable one).
    #[error("holds no certificate")]
    Empty,
}

/// The trust anchors of an operator's CA bundle: every `CERTIFICATE` in it, each usable,
/// at least one.
pub fn roots_from_pem(pem: &[u8]) -> Result<RootCertStore, RootsError> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(pem) {
        let cert = cert.map_err(|e| RootsError::Malformed(e.to_string()))?;
        roots.add(cert).map_err(|e| RootsError::Unusable(e.to_string()))?;
    }
    if roots.is_empty() {
        return Err(RootsError::Empty);
    }
    Ok(roots)
}

/// The trust anchors of a system bundle: certificates webpki cannot use are skipped and
/// counted (second value), the rest kept; at least one must remain.
pub fn roots_from_system_pem(pem: &[u8]) -> Result<(RootCertStore, usize), RootsError> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| RootsError::Malformed(e.to_string()))?;
    let mut roots = RootCertStore::empty();
    let (_, skipped) = roots.add_parsable_certificates(certs);
    if roots.is_empty() {
        return Err(RootsError::Empty);
    }
    Ok((roots, skipped))
}

/// A TLS client trusting only `roots`, speaking `versions`, with ring; `http` offers
/// HTTP/1.1 over ALPN. Sessions are cached in memory, so later connections resume.
pub fn client_config(
    roots: RootCertStore,
    versions: &[&'static SupportedProtocolVersion],
    http: bool,
) -> Result<Arc<ClientConfig>, rustls::Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    if http {
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
    }
    Ok(Arc::new(config))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_malformed_bundles_are_refused_with_their_reason() {
        assert_eq!(roots_from_pem(b"").err(), Some(RootsError::Empty));
        assert_eq!(roots_from_pem(b"not pem at all\n").err(), Some(RootsError::Empty));
        let broken = b"-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n";
        assert!(matches!(roots_from_pem(broken), Err(RootsError::Malformed(_))));
        let junk = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(roots_from_pem(junk), Err(RootsError::Unusable(_))));
        assert_eq!(roots_from_system_pem(junk).err(), Some(RootsError::Empty));
    }

    #[test]
    fn a_client_config_offers_http_only_when_asked() {
        let roots = RootCertStore::empty;
        let tls13: &[&'static SupportedProtocolVersion] = &[&rustls::version::TLS13];
        let http = client_config(roots(), tls13, true).expect("config");
        assert_eq!(http.alpn_protocols, [b"http/1.1".to_vec()]);
        assert!(client_config(roots(), tls13, false).expect("config").alpn_protocols.is_empty());
    }
}
