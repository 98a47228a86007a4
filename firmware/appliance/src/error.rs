//! Why the daemon could not start or stopped.

use std::path::PathBuf;

/// A failure of the daemon, with what it was doing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum DaemonError {
    /// The initial configuration file could not be loaded.
    #[error("initial configuration {path}: {source}")]
    InitialConfig {
        /// The file.
        path: PathBuf,
        /// Why.
        source: postern_config::ConfigError,
    },
    /// The configuration store could not be opened.
    #[error("configuration store: {0}")]
    Store(#[from] postern_config_store::StoreError),
    /// The gateway could not be set up from the configuration (its id, the device cache).
    #[error("{0}")]
    Setup(#[from] crate::setup::SetupError),
    /// A setting cannot be used as configured.
    #[error("{setting}: {reason}")]
    Setting {
        /// The setting (dotted path).
        setting: &'static str,
        /// Why.
        reason: String,
    },
    /// The command grammar is inconsistent (a defect, caught at start).
    #[error("command grammar: {0}")]
    Grammar(String),
    /// A CLI transport failed.
    #[error("CLI transport: {0}")]
    Transport(#[from] postern_cli_transport::TransportError),
    /// A directory could not be created.
    #[error("{path}: {source}")]
    Io {
        /// The directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
