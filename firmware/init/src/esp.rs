//! The EFI system partition: mounted on `/boot` for the update agent (owned by the daemon's
//! user, who writes new systems into the inactive slot), and the booted slot's trial state.

use crate::error::InitError;
use crate::paths::ESP;
use nix::mount::{MsFlags, mount};
use nix::unistd::{Gid, Uid};
use postern_boot_slots::{EntryState, Esp, Slot};
use std::path::Path;
use std::time::{Duration, Instant};

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
pub(crate) fn mount_esp(device: &str, (uid, gid): (Uid, Gid)) -> Result<Option<BootedSlot>, InitError> {
    let cmdline = std::fs::read_to_string("/proc/cmdline").map_err(InitError::io("reading /proc/cmdline"))?;
    let Some(slot) = Slot::from_cmdline(&cmdline) else {
        tracing::warn!("not booted from a system slot (no postern.slot= on the kernel command line): updates unavailable");
        return Ok(None);
    };
    let start = Instant::now();
    while !Path::new(device).exists() {
        if start.elapsed() > Duration::from_secs(10) {
            return Err(InitError::Failed { step: format!("waiting for {device}"), reason: "the EFI system partition is missing".into() });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let options = format!("uid={uid},gid={gid},fmask=0077,dmask=0077,shortname=mixed,errors=remount-ro");
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    mount(Some(device), ESP, Some("vfat"), flags, Some(options.as_str()))
        .map_err(InitError::sys(format!("mounting the EFI system partition {device} on {ESP}")))?;
    let esp = Esp::new(ESP);
    let state = esp.entry(slot).map_err(|e| InitError::Failed { step: format!("reading slot {slot}'s boot entry"), reason: e.to_string() })?;
    let on_trial = matches!(state.map(|e| e.state()), Some(EntryState::Pending { .. } | EntryState::Bad));
    tracing::info!(%slot, on_trial, "booted from slot");
    Ok(Some(BootedSlot { esp, slot, on_trial }))
}
