//! What the agent keeps on the data area, where no update can lower it: the highest version
//! ever installed (anti-rollback) and the result of the last install.

use crate::UpdateError;
use postern_durable_fs::write_atomically;
use std::path::{Path, PathBuf};

/// The agent's files in its state directory.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    dir: PathBuf,
}

impl Records {
    pub(crate) fn new(dir: &Path) -> Self {
        Self { dir: dir.to_owned() }
    }

    /// The highest version ever installed; at least `running` (the factory image counts).
    pub(crate) fn highest(&self, running: u64) -> u64 {
        std::fs::read_to_string(self.dir.join("highest-version"))
            .ok()
            .and_then(|t| t.trim().parse::<u64>().ok())
            .map_or(running, |h| h.max(running))
    }

    /// Raises the highest version ever installed (never lowers it).
    pub(crate) fn raise_highest(&self, version: u64, running: u64) -> Result<(), UpdateError> {
        if version <= self.highest(running) {
            return Ok(());
        }
        self.write("highest-version", &format!("{version}\n"))
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
    fn the_highest_version_only_rises() {
        let dir = tempfile::tempdir().expect("dir");
        let records = Records::new(&dir.path().join("update"));
        assert_eq!(records.highest(5), 5, "the running version counts when nothing is recorded");
        records.raise_highest(9, 5).expect("raise");
        records.raise_highest(7, 5).expect("no-op");
        assert_eq!(records.highest(5), 9);
        assert_eq!(records.highest(12), 12);
    }
}
