//! The partition is writable only while a write runs: remounted read-write for it and
//! read-only again when the window closes, whatever happened in between.

use crate::error::HelperError;
use nix::fcntl::{Flock, FlockArg};
use nix::mount::{MsFlags, mount};
use std::path::{Path, PathBuf};

/// The flags the partition is always mounted with.
const BASE: MsFlags = MsFlags::MS_NOSUID.union(MsFlags::MS_NODEV).union(MsFlags::MS_NOEXEC);

/// The partition, writable until this is dropped.
pub(crate) struct EspWindow {
    esp: PathBuf,
    _lock: Flock<std::fs::File>,
}

impl EspWindow {
    /// Takes `lock` (init takes it too) and remounts `esp` read-write.
    pub(crate) fn open(esp: &Path, lock: &Path) -> Result<Self, HelperError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock)
            .map_err(HelperError::io(format!("opening {}", lock.display())))?;
        let lock = Flock::lock(file, FlockArg::LockExclusive)
            .map_err(|(_, e)| HelperError::sys("locking the boot partition")(e))?;
        remount(esp, BASE).map_err(HelperError::sys(format!("making {} writable", esp.display())))?;
        tracing::debug!(esp = %esp.display(), "boot partition writable");
        Ok(Self { esp: esp.to_owned(), _lock: lock })
    }
}

impl Drop for EspWindow {
    fn drop(&mut self) {
        nix::unistd::sync();
        match remount(&self.esp, BASE | MsFlags::MS_RDONLY) {
            Ok(()) => tracing::debug!(esp = %self.esp.display(), "boot partition read-only again"),
            Err(e) => {
                tracing::error!(esp = %self.esp.display(), error = %e, "cannot make the boot partition read-only again")
            }
        }
    }
}

fn remount(esp: &Path, flags: MsFlags) -> nix::Result<()> {
    mount(None::<&str>, esp, None::<&str>, MsFlags::MS_REMOUNT | flags, None::<&str>)
}
