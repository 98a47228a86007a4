//! The end of the appliance's life: flush, unmount the data area, power off or reboot.

use crate::paths::DATA;
use crate::supervisor::Ending;
use nix::mount::{MntFlags, umount2};
use nix::sys::reboot::{RebootMode, reboot};

/// Flushes and unmounts the data area, then powers off or reboots. Never returns.
pub(crate) fn finish(ending: Ending) -> ! {
    nix::unistd::sync();
    match umount2(DATA, MntFlags::empty()) {
        Ok(()) => tracing::info!("data area unmounted"),
        // Not mounted: the boot stopped before it.
        Err(nix::errno::Errno::EINVAL) => {}
        Err(e) => {
            tracing::warn!(error = %e, "the data area is busy; detaching it after a sync");
            let _ = umount2(DATA, MntFlags::MNT_DETACH);
        }
    }
    nix::unistd::sync();
    let mode = match ending {
        Ending::PowerOff => RebootMode::RB_POWER_OFF,
        Ending::Reboot => RebootMode::RB_AUTOBOOT,
    };
    tracing::info!(?ending, "stopping the machine");
    let error = match reboot(mode) {
        Err(e) => e,
        Ok(never) => match never {},
    };
    // PID 1 must not exit: the kernel would panic. Wait for the operator to cut power.
    tracing::error!(error = %error, "the kernel refused to stop; halted");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
