//! The EFI system partition: mounted read-only on `/boot` (root's, readable by the daemon's
//! group so the update agent can report the slots), writable only inside a write window
//! (init marking a slot good, or the install helper writing a slot), and the booted slot's
//! trial state.

use crate::error::InitError;
use crate::paths::{ESP, ESP_LOCK};
use nix::fcntl::{Flock, FlockArg};
use nix::mount::{MsFlags, mount};
use nix::unistd::Gid;
use postern_boot_slots::{EntryState, Esp, Slot};
use std::time::Duration;

/// The slot this system booted from.
pub(crate) struct BootedSlot {
    /// The mounted partition.
    pub(crate) esp: Esp,
    /// The slot named on the kernel command line.
    pub(crate) slot: Slot,
    /// Whether its entry still carries a tries counter.
    pub(crate) on_trial: bool,
}

/// Mounts the partition and finds the booted slot. `None` when the system was not booted
/// from a slot (no `postern.slot=` on the command line, or no partition).
pub(crate) fn mount_esp(device: &str, group: Gid) -> Result<Option<BootedSlot>, InitError> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").map_err(InitError::io("reading /proc/cmdline"))?;
    let Some(slot) = Slot::from_cmdline(&cmdline) else {
        tracing::warn!(
            "not booted from a system slot (no postern.slot= on the kernel command line): updates unavailable"
        );
        return Ok(None);
    };
    let device = crate::block_devices::resolve(device, Duration::from_secs(10))?;
    let device = device.to_string_lossy();
    let device = device.as_ref();
    let options = format!("uid=0,gid={group},fmask=0137,dmask=0027,shortname=mixed,errors=remount-ro");
    mount(Some(device), ESP, Some("vfat"), BASE_FLAGS | MsFlags::MS_RDONLY, Some(options.as_str()))
        .map_err(InitError::sys(format!("mounting the EFI system partition {device} on {ESP}")))?;
    let esp = Esp::new(ESP);
    let state = esp
        .entry(slot)
        .map_err(|e| InitError::Failed { step: format!("reading slot {slot}'s boot entry"), reason: e.to_string() })?;
    let on_trial = matches!(state.map(|e| e.state()), Some(EntryState::Pending { .. } | EntryState::Bad));
    tracing::info!(%slot, on_trial, "booted from slot");
    Ok(Some(BootedSlot { esp, slot, on_trial }))
}

/// The flags the partition is always mounted with.
const BASE_FLAGS: MsFlags = MsFlags::MS_NOSUID.union(MsFlags::MS_NODEV).union(MsFlags::MS_NOEXEC);

impl BootedSlot {
    /// Marks the booted slot good inside a write window; returns whether it changed.
    pub(crate) fn mark_good(&self) -> Result<bool, InitError> {
        let _window = WriteWindow::open()?;
        self.esp
            .mark_good(self.slot)
            .map_err(|e| InitError::Failed { step: format!("marking slot {} good", self.slot), reason: e.to_string() })
    }
}

/// The partition writable, for init alone (the install helper takes the same lock).
struct WriteWindow {
    _lock: Flock<std::fs::File>,
}

impl WriteWindow {
    fn open() -> Result<Self, InitError> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(ESP_LOCK)
            .map_err(InitError::io(format!("opening {ESP_LOCK}")))?;
        let lock = Flock::lock(file, FlockArg::LockExclusive)
            .map_err(|(_, e)| InitError::sys(format!("locking {ESP_LOCK}"))(e))?;
        remount(BASE_FLAGS).map_err(InitError::sys(format!("making {ESP} writable")))?;
        Ok(Self { _lock: lock })
    }
}

impl Drop for WriteWindow {
    fn drop(&mut self) {
        nix::unistd::sync();
        if let Err(e) = remount(BASE_FLAGS | MsFlags::MS_RDONLY) {
            tracing::error!(error = %e, "cannot make the boot partition read-only again");
        }
    }
}

fn remount(flags: MsFlags) -> nix::Result<()> {
    mount(None::<&str>, ESP, None::<&str>, MsFlags::MS_REMOUNT | flags, None::<&str>)
}
