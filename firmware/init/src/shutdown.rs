//! The end of the appliance's life: stop what is left, flush, unmount the data area,
//! power off or reboot.

use crate::paths::DATA;
use crate::supervisor::Ending;
use nix::mount::{MntFlags, umount2};
use nix::sys::reboot::{RebootMode, reboot};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::Pid;
use std::time::{Duration, Instant};

/// How long the processes left (the install helper) get to end after SIGTERM.
const TERM_GRACE: Duration = Duration::from_secs(3);

/// Stops every process left (posternd is already stopped): SIGTERM, a short grace with
/// their exits reaped, then SIGKILL, so none keeps a file of the data area open.
fn stop_everyone() {
    if kill(Pid::from_raw(-1), Signal::SIGTERM).is_err() {
        return; // nobody left
    }
    let deadline = Instant::now() + TERM_GRACE;
    while Instant::now() < deadline {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Err(nix::errno::Errno::ECHILD) => return,
            Ok(WaitStatus::StillAlive) => std::thread::sleep(Duration::from_millis(20)),
            _ => {}
        }
    }
    let _ = kill(Pid::from_raw(-1), Signal::SIGKILL);
    while waitpid(None, None).is_ok() {}
}

/// Stops what is left, flushes and unmounts the data area, then powers off or reboots.
/// Never returns.
pub(crate) fn finish(ending: Ending) -> ! {
    stop_everyone();
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
