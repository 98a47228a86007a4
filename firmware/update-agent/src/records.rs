//! What the agent keeps on the data area: the result of the last install in its state
//! directory, and the anti-rollback floor (the highest version that ever booted and passed
//! its health check) in the floor's directory, which on the appliance only init writes.
//!
//! The floor rises only to the version of a system that is running and marked good, never
//! to the version of a bundle merely installed: a bundle that never boots good (or is rolled
//! back by the boot loader) cannot raise it, so it cannot lock genuine updates out.

use crate::UpdateError;
use postern_boot_slots::RollbackFloor;
use postern_durable_fs::write_atomically;
use std::path::{Path, PathBuf};

/// The agent's files in its state directory, and the floor in its own.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    dir: PathBuf,
    floor: RollbackFloor,
}

impl Records {
    pub(crate) fn new(dir: &Path, floor_dir: &Path) -> Self {
        Self { dir: dir.to_owned(), floor: RollbackFloor::new(floor_dir) }
    }

    /// The anti-rollback floor, if one was recorded.
    pub(crate) fn floor(&self) -> Option<u64> {
        self.floor.get()
    }

    /// Raises the floor to `proven`, the version of a system that booted good (never lowers
    /// it); returns whether it rose.
    pub(crate) fn raise_floor(&self, proven: u64) -> Result<bool, UpdateError> {
        Ok(self.floor.raise(proven)?)
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
