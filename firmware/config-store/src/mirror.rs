//! The files beside the history: `running.toml`, a mirror of the running configuration
//! that survives a damaged history, and `committed-revision`, the number of the last
//! acknowledged commit, which tells a history that lost commits from a healthy one.

use crate::error::StoreError;
use postern_config::{Config, ConfigError};
use std::fs;
use std::io;
use std::path::Path;

/// The mirror of the running configuration, inside the store directory.
pub(crate) const MIRROR_FILE: &str = "running.toml";
/// The number of the last acknowledged commit, inside the store directory.
pub(crate) const SEAL_FILE: &str = "committed-revision";

/// What the mirror file holds.
pub(crate) enum Mirror {
    /// There is no mirror file.
    Absent,
    /// It holds this configuration.
    Present(Box<Config>),
    /// It does not load.
    Unreadable(ConfigError),
}

/// Reads the mirror in `dir`.
pub(crate) fn read_mirror(dir: &Path) -> Mirror {
    let path = dir.join(MIRROR_FILE);
    match Config::load(&path) {
        Ok(config) => Mirror::Present(Box::new(config)),
        Err(ConfigError::Io { source, .. }) if source.kind() == io::ErrorKind::NotFound => Mirror::Absent,
        Err(error) => Mirror::Unreadable(error),
    }
}

/// Writes `config` to the mirror in `dir` atomically and durably.
pub(crate) fn write_mirror(dir: &Path, config: &Config) -> Result<(), StoreError> {
    let path = dir.join(MIRROR_FILE);
    config.save(&path).map_err(|source| StoreError::Mirror { path, source })
}

/// What the seal file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seal {
    /// There is no seal file.
    Absent,
    /// The last acknowledged commit made this revision.
    Revision(u64),
    /// The seal file is damaged.
    Unreadable(String),
}

impl Seal {
    /// The acknowledged revision, 0 when unknown.
    pub(crate) fn revision(&self) -> u64 {
        match self {
            Seal::Revision(n) => *n,
            Seal::Absent | Seal::Unreadable(_) => 0,
        }
    }
}

/// Reads the seal in `dir`.
pub(crate) fn read_seal(dir: &Path) -> Seal {
    match fs::read_to_string(dir.join(SEAL_FILE)) {
        Ok(text) => match text.strip_suffix('\n').map(str::parse::<u64>) {
            Some(Ok(n)) if text.bytes().next().is_some_and(|b| b.is_ascii_digit()) => Seal::Revision(n),
            _ => Seal::Unreadable(format!("{} bytes that are not a revision number", text.len())),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => Seal::Absent,
        Err(e) => Seal::Unreadable(e.to_string()),
    }
}

/// Records `revision` as the last acknowledged commit: a temporary file is written and
/// flushed, renamed over the seal, and the directory flushed.
pub(crate) fn write_seal(dir: &Path, revision: u64) -> Result<(), StoreError> {
    postern_durable_fs::write_atomically(&dir.join(SEAL_FILE), format!("{revision}\n").as_bytes(), 0o644)
        .map_err(fs_error)
}

/// A durable-write failure as the store reports it.
pub(crate) fn fs_error(e: postern_durable_fs::FsError) -> StoreError {
    StoreError::Io { op: e.op, path: e.path, source: e.source }
}
