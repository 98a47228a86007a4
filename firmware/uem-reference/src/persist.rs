//! The state file: JSON, written atomically (temporary file, fsync, rename, fsync of the
//! directory) on every change.

use crate::state::{STATE_VERSION, State};
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest state file read back (the inventories dominate it).
const STATE_FILE_MAX: u64 = 1024 * 1024 * 1024;

/// Why the state file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum PersistError {
    /// A file operation failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a state file of this version.
    #[error("{} is not a readable state file: {source}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The file was written by a newer layout.
    #[error("{} has state version {found}; this build reads {STATE_VERSION}", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// The version found.
        found: u32,
    },
    /// The file is larger than the server reads.
    #[error("{} is larger than {STATE_FILE_MAX} bytes", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
}

fn io(op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> PersistError {
    let path = path.to_owned();
    move |source| PersistError::Io { op, path, source }
}

/// Loads the state file, or a fresh state if there is none yet.
pub(crate) fn load(path: &Path) -> Result<State, PersistError> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(State::fresh()),
        Err(e) => return Err(io("open", path)(e)),
    };
    let mut text = Vec::new();
    file.take(STATE_FILE_MAX + 1).read_to_end(&mut text).map_err(io("read", path))?;
    if text.len() as u64 > STATE_FILE_MAX {
        return Err(PersistError::TooLarge { path: path.into() });
    }
    let state: State =
        serde_json::from_slice(&text).map_err(|source| PersistError::Format { path: path.into(), source })?;
    if state.version != STATE_VERSION {
        return Err(PersistError::Version { path: path.into(), found: state.version });
    }
    Ok(state)
}

/// Writes the state file atomically: readers see the old file or the new one, never a mix.
pub(crate) fn save(path: &Path, bytes: &[u8]) -> Result<(), PersistError> {
    postern_durable_fs::write_atomically(path, bytes, 0o600).map_err(|e| PersistError::Io {
        op: e.op,
        path: e.path,
        source: e.source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_state_loads_back_with_its_epoch() {
        let dir = tempfile::tempdir().map_err(|e| e.to_string());
        let Ok(dir) = dir else { panic!("tempdir") };
        let path = dir.path().join("state.json");
        let state = State::fresh();
        let bytes = serde_json::to_vec(&state).unwrap_or_default();
        assert!(save(&path, &bytes).is_ok());
        let back = load(&path).map(|s| s.epoch);
        assert_eq!(back.ok(), Some(state.epoch));
        assert_eq!(std::fs::read_dir(dir.path()).map(Iterator::count).unwrap_or(0), 1, "no temporary file is left");
    }

    #[test]
    fn a_missing_file_is_a_fresh_state_and_garbage_is_an_error() {
        let Ok(dir) = tempfile::tempdir() else { panic!("tempdir") };
        let path = dir.path().join("state.json");
        assert!(load(&path).is_ok());
        assert!(std::fs::write(&path, b"{not json").is_ok());
        assert!(matches!(load(&path), Err(PersistError::Format { .. })));
    }
}
