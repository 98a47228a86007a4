//! What can go wrong setting the proxy up, or reaching the back end.

use std::path::PathBuf;
use std::time::Duration;

/// The proxy could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The back-end URL is not `http://host[:port]` or `https://host[:port]`.
    #[error("back-end URL {url:?}: {why}")]
    BackendUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        why: &'static str,
    },
    /// The CA file for an https back end could not be read.
    #[error("back-end CA file {path}: {source}")]
    CaFile {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        source: std::io::Error,
    },
    /// The CA file holds no usable certificate.
    #[error("back-end CA file {path}: {why}")]
    CaCertificates {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        why: String,
    },
    /// An https back end needs a CA file: the appliance has no built-in trust store.
    #[error("back-end URL {url:?} is https but no CA file is configured")]
    MissingCaFile {
        /// The URL.
        url: String,
    },
    /// The TLS client configuration could not be built.
    #[error("back-end TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// The response-header timeout exceeds the maximum hold of long-polling commands.
    #[error("response_timeout ({response:?}) exceeds hold_max ({hold:?})")]
    Timeouts {
        /// The response-header timeout.
        response: Duration,
        /// The maximum hold.
        hold: Duration,
    },
    /// The proxy must be created inside a Tokio runtime (it watches cuts on a task).
    #[error("no Tokio runtime to watch cuts on")]
    NoRuntime,
}

/// The back end could not be reached or did not answer properly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// TCP connection failed.
    #[error("connect to {authority}: {source}")]
    Connect {
        /// `host:port`.
        authority: String,
        /// Why.
        source: std::io::Error,
    },
    /// The TLS handshake with the back end failed.
    #[error("TLS with {authority}: {source}")]
    Tls {
        /// `host:port`.
        authority: String,
        /// Why.
        source: std::io::Error,
    },
    /// The host is not a valid TLS server name.
    #[error("{host:?} is not a valid TLS server name")]
    ServerName {
        /// The host.
        host: String,
    },
    /// HTTP with the back end failed.
    #[error("HTTP with the back end: {0}")]
    Http(#[from] hyper::Error),
}

/// Why a relayed response body stopped before its end.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BodyError {
    /// The device was cut (A7) while its response was streaming.
    #[error("device cut while streaming: {reason}")]
    Cut {
        /// The cut's reason code.
        reason: &'static str,
    },
    /// The back end failed mid-body.
    #[error("back end failed mid-body: {0}")]
    Backend(#[from] hyper::Error),
}
