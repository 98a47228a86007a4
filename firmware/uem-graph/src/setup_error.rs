//! Why a Graph connector could not be built.

use std::path::PathBuf;

/// A Graph connector could not be built from its settings.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GraphSetupError {
    /// A configured URL is not a plain https URL.
    #[error("uem.connector.{field} `{url}` is unusable: {reason}")]
    BadUrl {
        /// Which setting (`token_url`, `graph_url`).
        field: &'static str,
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A file could not be read.
    #[error("cannot read {what} {}: {source}", path.display())]
    Read {
        /// What the file holds.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The client secret file is empty, too long or not one line of text.
    #[error("the client secret file {} is unusable: {reason}", path.display())]
    BadSecret {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: &'static str,
    },
    /// The trusted certificate authorities could not be loaded.
    #[error("cannot trust the certificate authorities in {}: {reason}", path.display())]
    BadTrust {
        /// The PEM file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// TLS could not be set up.
    #[error("cannot set up TLS: {0}")]
    Tls(#[from] rustls::Error),
}
