//! Why a connector could not be built from the configuration; every error names the
//! setting at fault.

use postern_decision::IdError;
use std::path::PathBuf;

/// A connector could not be built from `[uem.connector]`. `setting` is the dotted path of
/// the setting at fault, e.g. `uem.connector.devices[2].user`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SetupError {
    /// An identifier is not acceptable to the decision core.
    #[error("{setting}: {source}")]
    Identifier {
        /// The setting.
        setting: String,
        /// Why.
        #[source]
        source: IdError,
    },
    /// More devices than one compliance answer can carry.
    #[error("{setting}: {count} devices; at most {max} are supported")]
    TooManyDevices {
        /// The setting.
        setting: String,
        /// How many are configured.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// A required setting is absent.
    #[error("{setting} is required: {why}")]
    Missing {
        /// The setting.
        setting: String,
        /// Why it is needed.
        why: &'static str,
    },
    /// The UEM's URL cannot be used.
    #[error("{setting} `{url}`: {reason}")]
    Url {
        /// The setting.
        setting: String,
        /// The URL as configured.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A file named by a setting could not be read.
    #[error("{setting}: cannot read {}: {source}", path.display())]
    File {
        /// The setting.
        setting: String,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A file named by a setting is larger than such a file can be.
    #[error("{setting}: {} is larger than {max} bytes", path.display())]
    FileTooLarge {
        /// The setting.
        setting: String,
        /// The file.
        path: PathBuf,
        /// The limit.
        max: usize,
    },
    /// A file named by a setting holds nothing usable.
    #[error("{setting}: {}: {reason}", path.display())]
    BadFile {
        /// The setting.
        setting: String,
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The TLS client could not be configured.
    #[error("TLS client configuration refused: {0}")]
    Tls(#[source] rustls::Error),
}
