//! The anti-rollback floor: the highest version that ever booted and passed its health
//! check. On the appliance init alone raises it (it lives in a root-only directory of the
//! data area); the install helper and the daemon only read it. It never goes down.

use crate::SlotError;
use postern_durable_fs::write_atomically;
use std::path::{Path, PathBuf};

/// The floor's file name in its directory (the name predates the rule above).
const FLOOR_FILE: &str = "highest-version";

/// Where the floor is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollbackFloor {
    dir: PathBuf,
}

impl RollbackFloor {
    /// The floor kept in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// Its directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The floor, if one was recorded.
    pub fn get(&self) -> Option<u64> {
        std::fs::read_to_string(self.dir.join(FLOOR_FILE)).ok().and_then(|t| t.trim().parse().ok())
    }

    /// Raises the floor to `proven`, the version of a system that booted good (never
    /// lowers it); returns whether it rose.
    pub fn raise(&self, proven: u64) -> Result<bool, SlotError> {
        if self.get().is_some_and(|floor| floor >= proven) {
            return Ok(false);
        }
        std::fs::create_dir_all(&self.dir).map_err(|source| SlotError::Io {
            what: "creating",
            path: self.dir.clone(),
            source,
        })?;
        write_atomically(&self.dir.join(FLOOR_FILE), format!("{proven}\n").as_bytes(), 0o644)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_only_rises() {
        let dir = tempfile::tempdir().expect("dir");
        let floor = RollbackFloor::new(dir.path().join("records"));
        assert_eq!(floor.get(), None, "nothing recorded yet");
        assert!(floor.raise(9).expect("raise"));
        assert!(!floor.raise(7).expect("no-op"));
        assert!(!floor.raise(9).expect("no-op"));
        assert_eq!(floor.get(), Some(9));
        assert!(floor.raise(12).expect("raise"));
        assert_eq!(floor.get(), Some(12));
    }
}
