//! The disks a board names: a fixed device path (`/dev/vda2`), or a GPT partition name
//! (`PARTLABEL=postern-data`) found on whatever disk the hardware presents (NVMe, SATA,
//! virtio, SCSI), so a generic image boots wherever its disk is attached.

use crate::error::InitError;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The prefix of a board setting that names a partition by its GPT name.
const PARTLABEL: &str = "PARTLABEL=";
/// Where the kernel lists block devices and their partitions.
const SYS_BLOCK: &str = "/sys/class/block";

/// The device node a board setting names, waiting up to `wait` for it to appear (disk
/// drivers probe in the background).
pub(crate) fn resolve(setting: &str, wait: Duration) -> Result<PathBuf, InitError> {
    let start = Instant::now();
    loop {
        let found = match setting.strip_prefix(PARTLABEL) {
            Some(label) => by_partition_name(Path::new(SYS_BLOCK), label).map(|name| Path::new("/dev").join(name)),
            None => Some(PathBuf::from(setting)).filter(|p| p.exists()),
        };
        if let Some(path) = found.filter(|p| p.exists()) {
            tracing::info!(setting, device = %path.display(), "block device found");
            return Ok(path);
        }
        if start.elapsed() > wait {
            return Err(InitError::Failed {
                step: format!("waiting for the disk {setting}"),
                reason: format!("no such device after {} s", wait.as_secs()),
            });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The kernel name (`nvme0n1p2`, `sda2`) of the partition whose GPT name is `label`, from
/// each block device's `uevent` under `sys_block`; the first in name order if several.
pub(crate) fn by_partition_name(sys_block: &Path, label: &str) -> Option<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(sys_block).ok()?.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names.into_iter().find(|name| {
        let uevent = std::fs::read_to_string(sys_block.join(name).join("uevent")).unwrap_or_default();
        uevent.lines().any(|l| l.strip_prefix("PARTNAME=") == Some(label))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partition_is_found_by_its_gpt_name_on_any_disk() {
        let dir = tempfile::tempdir().expect("temp dir");
        for (name, uevent) in [
            ("nvme0n1", "MAJOR=259\nMINOR=0\nDEVNAME=nvme0n1\nDEVTYPE=disk\n"),
            ("nvme0n1p1", "MAJOR=259\nMINOR=1\nDEVNAME=nvme0n1p1\nDEVTYPE=partition\nPARTN=1\nPARTNAME=postern-esp\n"),
            ("nvme0n1p2", "MAJOR=259\nMINOR=2\nDEVNAME=nvme0n1p2\nDEVTYPE=partition\nPARTN=2\nPARTNAME=postern-data\n"),
            ("sda1", "DEVNAME=sda1\nDEVTYPE=partition\nPARTNAME=postern-data-old\n"),
        ] {
            std::fs::create_dir(dir.path().join(name)).expect("dir");
            std::fs::write(dir.path().join(name).join("uevent"), uevent).expect("uevent");
        }
        assert_eq!(by_partition_name(dir.path(), "postern-data").as_deref(), Some("nvme0n1p2"));
        assert_eq!(by_partition_name(dir.path(), "postern-esp").as_deref(), Some("nvme0n1p1"));
        assert_eq!(by_partition_name(dir.path(), "postern"), None);
    }
}
