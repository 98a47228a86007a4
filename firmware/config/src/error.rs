//! Why a configuration could not be loaded, converted or stored.

use crate::migration_steps::StepError;
use crate::validation::ValidationErrors;
use std::path::PathBuf;

/// Why a configuration could not be loaded, converted or stored.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The text is not TOML; the message gives the line and column.
    #[error("configuration is not valid TOML: {0}")]
    Syntax(#[source] toml::de::Error),
    /// The `version` key is not a positive integer.
    #[error("configuration `version` is {found}; expected a positive integer")]
    BadVersion {
        /// The value found, as TOML.
        found: String,
    },
    /// The stored configuration was written by a newer build.
    #[error(
        "configuration version {stored} is newer than this build understands (up to \
         {supported}); refusing to load it rather than drop settings"
    )]
    TooNew {
        /// The stored version.
        stored: u32,
        /// The newest version this build understands.
        supported: u32,
    },
    /// The migration list is not contiguous from version 1 (a defect of the build).
    #[error("migration {index} goes from version {found}, expected {expected}")]
    MigrationList {
        /// Position of the offending step in the list.
        index: usize,
        /// The version it should start from.
        expected: u32,
        /// The version it starts from.
        found: u32,
    },
    /// A migration step refused the stored configuration.
    #[error("migration `{name}` from version {from} failed: {source}")]
    Migration {
        /// The step's name.
        name: &'static str,
        /// The version it reads.
        from: u32,
        /// What it found wrong.
        #[source]
        source: StepError,
    },
    /// A key is unknown, misspelt or of the wrong type; the message names it.
    #[error("configuration does not fit the schema: {0}")]
    Schema(#[source] toml::de::Error),
    /// As [`ConfigError::Schema`], after migrating from an older version (no line numbers).
    #[error("configuration migrated from version {from} does not fit the schema: {source}")]
    SchemaAfterMigration {
        /// The stored version it was migrated from.
        from: u32,
        /// What does not fit.
        #[source]
        source: toml::de::Error,
    },
    /// One or more settings have values out of bounds; every one is listed.
    #[error("configuration has {count} invalid setting(s):\n{list}", count = .0.len(), list = .0)]
    Invalid(#[source] ValidationErrors),
    /// The configuration could not be written as TOML.
    #[error("cannot write configuration as TOML: {0}")]
    Serialize(#[source] toml::ser::Error),
    /// A configuration file is larger than the loader reads.
    #[error("configuration file {} is larger than {limit} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The limit in bytes.
        limit: u64,
    },
    /// A file operation failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done, e.g. `read` or `rename into place`.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}
