//! The kernel file systems, the read-only root, and the writable scratch areas.

use crate::error::InitError;
use nix::mount::{MsFlags, mount};
use std::path::Path;

/// One mount init makes at boot.
struct Mount {
    source: &'static str,
    target: &'static str,
    fstype: &'static str,
    flags: MsFlags,
    data: Option<&'static str>,
}

/// Kernel file systems and RAM-backed scratch areas, mounted in this order.
fn kernel_mounts() -> [Mount; 6] {
    let nosuid_nodev_noexec = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    [
        Mount { source: "proc", target: "/proc", fstype: "proc", flags: nosuid_nodev_noexec, data: None },
        Mount { source: "sysfs", target: "/sys", fstype: "sysfs", flags: nosuid_nodev_noexec, data: None },
        Mount {
            source: "devtmpfs",
            target: "/dev",
            fstype: "devtmpfs",
            flags: MsFlags::MS_NOSUID,
            data: Some("mode=0755"),
        },
        Mount {
            source: "devpts",
            target: "/dev/pts",
            fstype: "devpts",
            flags: MsFlags::MS_NOSUID | MsFlags::MS_NOEXEC,
            data: Some("mode=0620,ptmxmode=0666"),
        },
        Mount {
            source: "tmpfs",
            target: "/run",
            fstype: "tmpfs",
            flags: nosuid_nodev_noexec,
            data: Some("mode=0755,size=16m"),
        },
        Mount {
            source: "tmpfs",
            target: "/tmp",
            fstype: "tmpfs",
            flags: nosuid_nodev_noexec,
            data: Some("mode=1777,size=32m"),
        },
    ]
}

/// Makes the root read-only, then mounts the kernel file systems and scratch areas.
///
/// The root is the initramfs the kernel unpacked; remounting it read-only leaves the
/// data area (mounted later) as the only writable persistent storage.
pub(crate) fn mount_system() -> Result<(), InitError> {
    mount(None::<&str>, "/", None::<&str>, MsFlags::MS_REMOUNT | MsFlags::MS_RDONLY, None::<&str>)
        .map_err(InitError::sys("remounting / read-only"))?;
    for m in kernel_mounts() {
        if m.target == "/dev/pts" {
            // devtmpfs starts without it.
            std::fs::create_dir_all(m.target).map_err(InitError::io("creating /dev/pts"))?;
        }
        if !Path::new(m.target).is_dir() {
            return Err(InitError::Failed {
                step: format!("mounting {}", m.target),
                reason: "no such directory in the image".into(),
            });
        }
        mount(Some(m.source), m.target, Some(m.fstype), m.flags, m.data)
            .map_err(InitError::sys(format!("mounting {} on {}", m.fstype, m.target)))?;
    }
    Ok(())
}
