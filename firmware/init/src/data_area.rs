//! The persistent data area: an ext4 file system on the board's data disk, made on first
//! boot and kept afterwards.
//!
//! What the partition holds decides ([`data_probe`]): a primary superblock is mounted; a
//! blank partition (the factory disk) is formatted; anything else — a damaged or a
//! foreign file system — is mounted from an ext4 backup superblock if one works, and
//! otherwise stops the boot. Only a blank partition, or the operator's factory reset,
//! is ever formatted: a damaged superblock never costs the configuration, the device
//! cache and the anti-rollback record.

use crate::data_probe::{self, BACKUP_SUPERBLOCKS, Decision};
use crate::error::InitError;
use crate::paths::{DATA, DATA_LABEL, MKE2FS};
use nix::mount::{MsFlags, mount};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The data area's mount flags: no set-id programs, devices or programs at all.
const FLAGS: MsFlags = MsFlags::MS_NOSUID.union(MsFlags::MS_NODEV).union(MsFlags::MS_NOEXEC);
/// The data area's mount options.
const OPTIONS: &str = "data=ordered";

/// Waits for the data disk to appear, formats it if it is blank, and mounts it on `/data`.
pub(crate) fn mount_data(device: &str) -> Result<(), InitError> {
    wait_for(Path::new(device), Duration::from_secs(10))?;
    let file = std::fs::File::open(device).map_err(InitError::io(format!("opening {device}")))?;
    let regions = data_probe::read_regions(&file).map_err(InitError::io(format!("reading {device}")))?;
    drop(file);
    match data_probe::decide(&regions) {
        Decision::Mount => mount_primary(device, Path::new(DATA)).or_else(|e| {
            tracing::error!(device, error = %e, "the data area does not mount from its primary superblock: trying the backups");
            mount_backup(device, Path::new(DATA)).map(drop)
        })?,
        Decision::Format => {
            tracing::info!(device, "the data disk is blank: formatting it (first boot)");
            format(device)?;
            mount_primary(device, Path::new(DATA))?;
        }
        Decision::TryBackups => {
            tracing::error!(device, "the data area has no primary superblock but is not blank: trying the backups, not formatting");
            mount_backup(device, Path::new(DATA))?;
        }
    }
    tracing::info!(device, "data area mounted");
    Ok(())
}

/// Mounts `device` on `target` from its primary superblock.
pub(crate) fn mount_primary(device: &str, target: &Path) -> Result<(), InitError> {
    mount(Some(device), target, Some("ext4"), FLAGS, Some(OPTIONS))
        .map_err(InitError::sys(format!("mounting the data area {device} on {}", target.display())))
}

/// Mounts `device` on `target` read-write from the first of [`BACKUP_SUPERBLOCKS`] that
/// works, and says which; the partition is left untouched when none does.
pub(crate) fn mount_backup(device: &str, target: &Path) -> Result<u64, InitError> {
    let mut refused = Vec::new();
    for superblock in BACKUP_SUPERBLOCKS {
        let options = format!("{OPTIONS},sb={superblock}");
        match mount(Some(device), target, Some("ext4"), FLAGS, Some(options.as_str())) {
            Ok(()) => {
                tracing::error!(device, superblock_kib = superblock, target = %target.display(),
                    "THE DATA AREA'S PRIMARY SUPERBLOCK IS DAMAGED: mounted from a backup superblock; the data is kept, save the configuration elsewhere");
                return Ok(superblock);
            }
            Err(e) => refused.push(format!("sb={superblock}: {e}")),
        }
    }
    Err(InitError::DataAreaDamaged {
        device: device.to_owned(),
        detail: format!("no backup superblock mounts ({})", refused.join(", ")),
    })
}

/// Makes a new, empty ext4 file system on `device`.
pub(crate) fn format(device: &str) -> Result<(), InitError> {
    let step = format!("formatting {device}");
    let output = Command::new(MKE2FS)
        .args(["-q", "-F", "-t", "ext4", "-L", DATA_LABEL, device])
        .output()
        .map_err(InitError::io(step.clone()))?;
    if !output.status.success() {
        let reason = format!("{MKE2FS} {}: {}", output.status, String::from_utf8_lossy(&output.stderr).trim());
        return Err(InitError::Failed { step, reason });
    }
    Ok(())
}

fn wait_for(path: &Path, limit: Duration) -> Result<(), InitError> {
    let start = Instant::now();
    while !path.exists() {
        if start.elapsed() > limit {
            return Err(InitError::Failed {
                step: format!("waiting for {}", path.display()),
                reason: format!("not there after {limit:?}"),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::data_probe::tests::{Image, run};
    use std::io;

    /// A loop device over an image file, detached on drop.
    pub(crate) struct Loop(pub(crate) String);

    impl Loop {
        /// `None` (saying why) where loop devices cannot be had: not root, or none free.
        pub(crate) fn attach(image: &Image) -> Option<Self> {
            if !nix::unistd::geteuid().is_root() {
                eprintln!("skipped: loop devices need root");
                return None;
            }
            match run(Command::new("losetup").args(["-f", "--show"]).arg(&image.0)) {
                Ok(device) => Some(Self(device.trim().to_owned())),
                Err(e) => {
                    eprintln!("skipped: no loop device ({e})");
                    None
                }
            }
        }
    }

    impl Drop for Loop {
        fn drop(&mut self) {
            let _ = Command::new("losetup").args(["-d", &self.0]).status();
        }
    }

    /// A mount point directory, detached (lazily, so never busy) and removed on drop,
    /// whether the test passed or not.
    pub(crate) struct MountPoint(pub(crate) std::path::PathBuf);

    impl Drop for MountPoint {
        fn drop(&mut self) {
            let _ = nix::mount::umount2(&self.0, nix::mount::MntFlags::MNT_DETACH);
            let _ = std::fs::remove_dir(&self.0);
        }
    }

    impl std::ops::Deref for MountPoint {
        type Target = std::path::Path;
        fn deref(&self) -> &std::path::Path {
            &self.0
        }
    }

    pub(crate) fn mount_point(name: &str) -> io::Result<MountPoint> {
        let dir = std::env::temp_dir().join(format!("postern-init-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(MountPoint(dir))
    }

    #[test]
    fn a_zeroed_primary_superblock_mounts_from_a_backup_with_its_data() -> io::Result<()> {
        for block_size in [1024, 4096] {
            let image = Image::ext4(&format!("loop-{block_size}"), block_size)?;
            image.zero(1024, 1024)?;
            let Some(device) = Loop::attach(&image) else { return Ok(()) };
            let target = mount_point(&format!("loop-{block_size}"))?;
            assert!(mount_primary(&device.0, &target).is_err(), "the primary superblock is really gone");
            let superblock = mount_backup(&device.0, &target).map_err(io::Error::other)?;
            let kept = std::fs::read_to_string(target.join("hello"));
            let writable = std::fs::write(target.join("written"), "after");
            drop(target);
            assert_eq!(kept?, "kept", "{block_size}-byte blocks, mounted with sb={superblock}");
            writable?;
        }
        Ok(())
    }

    #[test]
    fn a_foreign_partition_is_refused_and_left_as_it_was() -> io::Result<()> {
        let image = Image::zeros("foreign")?;
        let pattern: Vec<u8> = (0..1 << 20).map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&image.0)
            .and_then(|f| std::os::unix::fs::FileExt::write_all_at(&f, &pattern, 0))?;
        let probed = || std::fs::File::open(&image.0).and_then(|f| data_probe::read_regions(&f));
        let before = probed()?;
        let Some(device) = Loop::attach(&image) else { return Ok(()) };
        let target = mount_point("foreign")?;
        let result = mount_backup(&device.0, &target);
        drop(target);
        drop(device);
        match result {
            Err(InitError::DataAreaDamaged { device, detail }) => {
                assert!(detail.contains("sb=131072") && detail.contains("sb=8193"), "{detail}");
                assert!(device.starts_with("/dev/loop"));
            }
            other => panic!("expected DataAreaDamaged, got {other:?}"),
        }
        assert!(probed()? == before, "the partition was changed");
        assert_eq!(data_probe::decide(&before), Decision::TryBackups);
        Ok(())
    }
}
