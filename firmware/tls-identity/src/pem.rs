//! Reading certificate chains and private keys from PEM text, and checking that a key is
//! the one its certificate names.

use crate::error::IdentityError;
use crate::summary::fingerprint;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use std::path::Path;

/// The largest certificate chain or key accepted as text (a pasted import).
pub const PEM_MAX: usize = 64 * 1024;

fn bounded(what: &'static str, text: &str) -> Result<(), IdentityError> {
    if text.len() > PEM_MAX {
        return Err(IdentityError::TooLarge { what, len: text.len(), limit: PEM_MAX });
    }
    Ok(())
}

/// The certificates of a PEM chain, leaf first; every one must parse as X.509, and there
/// must be at least one.
pub fn parse_chain(text: &str) -> Result<Vec<CertificateDer<'static>>, IdentityError> {
    const WHAT: &str = "the certificate";
    bounded(WHAT, text)?;
    let pem = |e: rustls::pki_types::pem::Error| IdentityError::Pem { what: WHAT, reason: e.to_string() };
    let chain = CertificateDer::pem_slice_iter(text.as_bytes()).collect::<Result<Vec<_>, _>>().map_err(pem)?;
    if chain.is_empty() {
        return Err(IdentityError::Pem { what: WHAT, reason: "no -----BEGIN CERTIFICATE----- block found".into() });
    }
    for (index, der) in chain.iter().enumerate() {
        x509_parser::parse_x509_certificate(der.as_ref())
            .map_err(|e| IdentityError::Certificate { index: index + 1, reason: e.to_string() })?;
    }
    Ok(chain)
}

/// The private key in PEM text (PKCS#8, PKCS#1 or SEC1), of a kind the gateway can sign with.
pub fn parse_key(text: &str) -> Result<PrivateKeyDer<'static>, IdentityError> {
    const WHAT: &str = "the private key";
    bounded(WHAT, text)?;
    let key = PrivateKeyDer::from_pem_slice(text.as_bytes()).map_err(|e| IdentityError::Pem {
        what: WHAT,
        reason: match e {
            rustls::pki_types::pem::Error::NoItemsFound => "no -----BEGIN … PRIVATE KEY----- block found".into(),
            other => other.to_string(),
        },
    })?;
    rustls::crypto::ring::sign::any_supported_type(&key).map_err(|e| IdentityError::Key(e.to_string()))?;
    Ok(key)
}

/// Checks that `key` is the private half of the chain's leaf certificate.
pub fn check_pair(chain: &[CertificateDer<'static>], key: &PrivateKeyDer<'_>) -> Result<(), IdentityError> {
    let signer = rustls::crypto::ring::sign::any_supported_type(key).map_err(|e| IdentityError::Key(e.to_string()))?;
    let leaf = chain.first().map(|c| fingerprint(c.as_ref())).unwrap_or_default();
    match CertifiedKey::new(chain.to_vec(), signer).keys_match() {
        Ok(()) => Ok(()),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(IdentityError::KeyMismatch { certificate: leaf })
        }
        Err(e) => Err(IdentityError::Key(e.to_string())),
    }
}

fn read(path: &Path) -> Result<String, IdentityError> {
    std::fs::read_to_string(path).map_err(|source| IdentityError::Read { path: path.to_owned(), source })
}

/// The certificate chain in a PEM file.
pub fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, IdentityError> {
    parse_chain(&read(path)?)
}

/// Reads a certificate chain file and a key file and checks that they belong together.
pub fn check_files(certificate: &Path, key: &Path) -> Result<Vec<CertificateDer<'static>>, IdentityError> {
    let chain = read_chain(certificate)?;
    check_pair(&chain, &parse_key(&read(key)?)?)?;
    Ok(chain)
}
