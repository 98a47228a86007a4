//! The TLS client configuration: TLS 1.2 and 1.3 only, trusting the configured
//! certificate authorities or the system bundle.

use crate::setup_error::GraphSetupError;
use rustls::{ClientConfig, RootCertStore};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where the system's certificate authorities are looked for when no CA file is set.
const SYSTEM_BUNDLES: [&str; 3] =
    ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem"];

/// A client configuration trusting `ca_file`, or the first system bundle found.
pub(crate) fn client_config(ca_file: Option<&Path>) -> Result<Arc<ClientConfig>, GraphSetupError> {
    let path = match ca_file {
        Some(path) => path.to_owned(),
        None => {
            SYSTEM_BUNDLES.iter().map(PathBuf::from).find(|p| p.is_file()).ok_or_else(|| GraphSetupError::BadTrust {
                path: PathBuf::from(SYSTEM_BUNDLES[0]),
                reason: "no CA file is configured and no system bundle was found".to_owned(),
            })?
        }
    };
    let roots = load_roots(&path)?;
    Ok(postern_tls_client::client_config(roots, rustls::DEFAULT_VERSIONS, true)?)
}

fn load_roots(path: &Path) -> Result<RootCertStore, GraphSetupError> {
    let bad = |reason: String| GraphSetupError::BadTrust { path: path.to_owned(), reason };
    let pem = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    // A system bundle may hold a certificate webpki cannot use; skip it, keep the rest.
    let (roots, skipped) = postern_tls_client::roots_from_system_pem(&pem).map_err(|e| bad(e.to_string()))?;
    if skipped > 0 {
        tracing::debug!(path = %path.display(), added = roots.len(), skipped, "unusable CA certificates skipped");
    }
    Ok(roots)
}
