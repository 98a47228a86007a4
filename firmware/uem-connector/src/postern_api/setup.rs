//! What the connector reads from the configuration's files: the CA bundle the UEM's
//! certificate must chain to, and the gateway's bearer token. Both files are read with a
//! size limit.

use super::timeouts::{CA_FILE_MAX, CREDENTIALS_MAX};
use crate::SetupError;
use postern_uem_api::BearerToken;
use rustls::{ClientConfig, RootCertStore};
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// The setting naming the CA bundle.
pub(super) const CA_FILE: &str = "uem.connector.ca_file";
/// The setting naming the credentials file.
pub(super) const CREDENTIALS: &str = "uem.connector.gateway_credentials";

/// Reads at most `max` bytes of a file; a longer file is an error.
fn read_bounded(setting: &str, path: &Path, max: usize) -> Result<Vec<u8>, SetupError> {
    let io = |source| SetupError::File { setting: setting.to_owned(), path: path.to_owned(), source };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() > max {
        return Err(SetupError::FileTooLarge { setting: setting.to_owned(), path: path.to_owned(), max });
    }
    Ok(bytes)
}

fn bad_file(setting: &str, path: &Path, reason: String) -> SetupError {
    SetupError::BadFile { setting: setting.to_owned(), path: path.to_owned(), reason }
}

/// The trust anchors of a PEM bundle: every `CERTIFICATE` in it, at least one.
pub(super) fn load_roots(path: &Path) -> Result<RootCertStore, SetupError> {
    let pem = read_bounded(CA_FILE, path, CA_FILE_MAX)?;
    postern_tls_client::roots_from_pem(&pem).map_err(|e| bad_file(CA_FILE, path, e.to_string()))
}

/// The bearer token in a credentials file: its whole text, trimmed.
pub(super) fn load_token(path: &Path) -> Result<BearerToken, SetupError> {
    let bytes = read_bounded(CREDENTIALS, path, CREDENTIALS_MAX)?;
    let text = std::str::from_utf8(&bytes).map_err(|_| bad_file(CREDENTIALS, path, "not UTF-8 text".into()))?;
    // The error names the rule broken, never the token.
    BearerToken::new(text.trim()).map_err(|e| bad_file(CREDENTIALS, path, format!("not a bearer token: {e}")))
}

/// A TLS client trusting only `roots`: TLS 1.3 and 1.2, ring, HTTP/1.1 over ALPN, the
/// default in-memory session cache (so later connections resume).
pub(super) fn client_config(roots: RootCertStore) -> Result<Arc<ClientConfig>, SetupError> {
    postern_tls_client::client_config(roots, &[&rustls::version::TLS13, &rustls::version::TLS12], true)
        .map_err(SetupError::Tls)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn the_token_is_trimmed_and_checked_without_being_echoed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "  gw1-secret\n").unwrap();
        assert_eq!(load_token(&path).unwrap().as_str(), "gw1-secret");
        std::fs::write(&path, "two words-secret").unwrap();
        let err = load_token(&path).unwrap_err().to_string();
        assert!(err.starts_with(CREDENTIALS) && !err.contains("words-secret"), "{err}");
        std::fs::write(&path, vec![b'a'; CREDENTIALS_MAX + 1]).unwrap();
        assert!(matches!(load_token(&path), Err(SetupError::FileTooLarge { .. })));
    }

    #[test]
    fn a_ca_file_without_certificates_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, "no PEM here\n").unwrap();
        let err = load_roots(&path).unwrap_err();
        assert!(err.to_string().contains("holds no certificate"), "{err}");
        let missing = load_roots(&dir.path().join("absent.pem")).unwrap_err();
        assert!(matches!(missing, SetupError::File { .. }), "{missing}");
    }
}
