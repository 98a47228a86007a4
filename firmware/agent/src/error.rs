//! Why the agent cannot run.

use std::path::PathBuf;

/// A setup failure (the channel's own failures are retried, not returned).
#[derive(Debug, thiserror::Error)]
pub(crate) enum AgentError {
    /// A file could not be read or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration file is invalid.
    #[error("{}: {reason}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The TLS material is unusable.
    #[error("{what}: {reason}")]
    Tls {
        /// Which file or step.
        what: String,
        /// What is wrong.
        reason: String,
    },
    /// The data channel cannot be set up (TUN interface, routes).
    #[error("data channel: {reason}")]
    Data {
        /// What failed.
        reason: String,
    },
}
