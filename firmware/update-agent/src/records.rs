//! What the agent keeps on the data area, where no update can lower it: the anti-rollback
//! floor (the highest version that ever booted and passed its health check) and the result
//! of the last install.
//!
//! The floor rises only to the version of a system that is running and marked good, never
//! to the version of a bundle merely installed: a bundle that never boots good (or is rolled
//! back by the boot loader) cannot raise it, so it cannot lock genuine updates out.

use crate::UpdateError;
use postern_durable_fs::write_atomically;
use std::path::{Path, PathBuf};

/// The file of the floor, in the state directory (its name predates the rule above).
const FLOOR_FILE: &str = "highest-version";

/// The agent's files in its state directory.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    dir: PathBuf,
}

impl Records {
    pub(crate) fn new(dir: &Path) -> Self {
        Self { dir: dir.to_owned() }
    }

    /// The anti-rollback floor, if one was recorded.
    pub(crate) fn floor(&self) -> Option<u64> {
        std::fs::read_to_string(self.dir.join(FLOOR_FILE)).ok().and_then(|t| t.trim().parse::<u64>().ok())
    }

    /// Raises the floor to `proven`, the version of a system that booted good (never lowers
    /// it); returns whether it rose.
    pub(crate) fn raise_floor(&self, proven: u64) -> Result<bool, UpdateError> {
        if self.floor().is_some_and(|floor| floor >= proven) {
            return Ok(false);
        }
        self.write(FLOOR_FILE, &format!("{proven}\n"))?;
        Ok(true)
    }

    /// The last install's result, one line.
    pub(crate) fn last_result(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.join("last-install")).ok().map(|t| t.trim().to_owned())
    }

    /// Records the last install's result.
    pub(crate) fn set_last_result(&self, line: &str) -> Result<(), UpdateError> {
        self.write("last-install", &format!("{}\n", line.replace('\n', " ")))
    }

    fn write(&self, name: &str, text: &str) -> Result<(), UpdateError> {
        std::fs::create_dir_all(&self.dir).map_err(UpdateError::io("creating", &self.dir))?;
        write_atomically(&self.dir.join(name), text.as_bytes(), 0o600)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_only_rises() {
        let dir = tempfile::tempdir().expect("dir");
        let records = Records::new(&dir.path().join("update"));
        assert_eq!(records.floor(), None, "nothing recorded yet");
        assert!(records.raise_floor(9).expect("raise"));
        assert!(!records.raise_floor(7).expect("no-op"));
        assert!(!records.raise_floor(9).expect("no-op"));
        assert_eq!(records.floor(), Some(9));
        assert!(records.raise_floor(12).expect("raise"));
        assert_eq!(records.floor(), Some(12));
    }
}
