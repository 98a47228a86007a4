//! Why a certificate or key cannot be used, made or stored.

use std::path::PathBuf;

/// A failure of the TLS identity: what was wrong, with the file or the text concerned.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityError {
    /// The text is larger than a pasted certificate or key may be.
    #[error("{what} is {len} bytes long; at most {limit} are accepted")]
    TooLarge {
        /// What was given (`the certificate`, `the key`).
        what: &'static str,
        /// Its length.
        len: usize,
        /// The limit.
        limit: usize,
    },
    /// The text holds no PEM block of the expected kind, or a damaged one.
    #[error("{what}: {reason}")]
    Pem {
        /// What was expected.
        what: &'static str,
        /// Why it could not be read.
        reason: String,
    },
    /// One certificate of a chain is not a valid X.509 certificate.
    #[error("certificate {index} of the chain cannot be parsed: {reason}")]
    Certificate {
        /// Its place in the chain, 1 for the leaf.
        index: usize,
        /// Why.
        reason: String,
    },
    /// The key is of a kind the gateway cannot sign with.
    #[error("the private key cannot be used: {0}")]
    Key(String),
    /// The key's public half is not the one in the certificate.
    #[error("the private key does not match the certificate (certificate SHA-256 {certificate})")]
    KeyMismatch {
        /// The leaf certificate's SHA-256 fingerprint.
        certificate: String,
    },
    /// A file could not be read.
    #[error("{path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A file or directory could not be written durably.
    #[error(transparent)]
    Write(#[from] postern_durable_fs::FsError),
    /// A directory could not be created.
    #[error("create directory {path}: {source}")]
    Directory {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// Making the key pair or the certificate failed.
    #[error("making the self-signed certificate failed: {0}")]
    Generate(#[from] rcgen::Error),
}
