//! The partition is writable only while a write runs: remounted read-write for it and
//! read-only again when the window closes, whatever happened in between.

use crate::error::HelperError;
use nix::mount::{MsFlags, mount};
use std::path::{Path, PathBuf};

/// The flags the partition is always mounted with.
const BASE: MsFlags = MsFlags::MS_NOSUID.union(MsFlags::MS_NODEV).union(MsFlags::MS_NOEXEC);

/// The partition, writable until this is dropped.
pub(crate) struct EspWindow {
    esp: PathBuf,
}

impl EspWindow {
    /// Remounts `esp` read-write.
    pub(crate) fn open(esp: &Path) -> Result<Self, HelperError> {
        remount(esp, BASE).map_err(HelperError::sys(format!("making {} writable", esp.display())))?;
        tracing::debug!(esp = %esp.display(), "boot partition writable");
        Ok(Self { esp: esp.to_owned() })
    }
}

impl Drop for EspWindow {
    fn drop(&mut self) {
        nix::unistd::sync();
        match remount(&self.esp, BASE | MsFlags::MS_RDONLY) {
            Ok(()) => tracing::debug!(esp = %self.esp.display(), "boot partition read-only again"),
            Err(e) => tracing::error!(esp = %self.esp.display(), error = %e, "cannot make the boot partition read-only again"),
        }
    }
}

fn remount(esp: &Path, flags: MsFlags) -> nix::Result<()> {
    mount(None::<&str>, esp, None::<&str>, MsFlags::MS_REMOUNT | flags, None::<&str>)
}
