//! What can go wrong while running the demo.

use std::path::PathBuf;

/// A failure of the demo run, with what it was doing.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum DemoError {
    /// The configuration could not be loaded.
    #[error("configuration {path}: {source}")]
    Config {
        /// The file, or `<embedded demo>`.
        path: String,
        /// Why.
        source: postern_config::ConfigError,
    },
    /// The configuration has no static UEM.
    #[error("the demo needs uem.connector.kind = \"static\"; other connectors are not built yet")]
    NotStatic,
    /// The static UEM could not be built from the configuration.
    #[error("{0}")]
    Uem(#[from] postern_uem_connector::SetupError),
    /// The gateway could not be set up from the configuration.
    #[error("{0}")]
    Setup(#[from] postern_appliance::setup::SetupError),
    /// The device cache failed.
    #[error("device cache: {0}")]
    Cache(#[from] postern_device_cache::CacheError),
    /// The access service failed.
    #[error("gateway: {0}")]
    Gateway(#[from] postern_gateway::GatewayError),
    /// The scenario file is malformed.
    #[error("scenario line {line}: {message}")]
    Scenario {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// The demo's output could not be written (its reader went away, for one).
    #[error("writing the output: {0}")]
    Output(std::io::Error),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
