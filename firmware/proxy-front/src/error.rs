//! Errors of the TLS front end, each with the context needed to act on it.

use std::path::PathBuf;

/// Why the front end could not be configured, started or made unprivileged.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrontError {
    /// A certificate, key or CA file could not be read or parsed as PEM.
    #[error("cannot read {what} from {}: {reason}", path.display())]
    Pem {
        /// Which file: "certificate chain", "private key" or "client CA".
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The PEM file held no certificate.
    #[error("{} holds no certificate", path.display())]
    NoCertificate {
        /// The file.
        path: PathBuf,
    },
    /// rustls refused the certificate/key pair or the client CA.
    #[error("TLS configuration refused: {0}")]
    Tls(String),
    /// Binding the listening socket failed.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Registering the front end's metrics failed.
    #[error("cannot register metrics: {0}")]
    Metrics(#[from] postern_metrics::MetricsError),
}
