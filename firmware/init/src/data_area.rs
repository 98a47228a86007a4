//! The persistent data area: an ext4 file system on the board's data disk, made on first
//! boot and kept afterwards.

use crate::error::InitError;
use crate::paths::{DATA, DATA_LABEL, MKE2FS};
use nix::mount::{MsFlags, mount};
use std::io::Read;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// Where the ext4 superblock starts, and its magic number's offset inside it.
const SUPERBLOCK_OFFSET: usize = 1024;
const MAGIC_OFFSET: usize = 56;
const EXT_MAGIC: u16 = 0xEF53;

/// Whether the first 2 KiB of a device hold an ext2/3/4 superblock.
pub(crate) fn has_ext_superblock(head: &[u8]) -> bool {
    let at = SUPERBLOCK_OFFSET + MAGIC_OFFSET;
    head.get(at..at + 2).is_some_and(|b| u16::from_le_bytes([b[0], b[1]]) == EXT_MAGIC)
}

/// Waits for the data disk to appear, formats it if it holds no file system, and mounts
/// it on `/data`.
///
/// A disk that holds an ext file system is never formatted again, even if it fails to
/// mount: init stops with the error instead, so the operator's data is never lost to a
/// reformat.
pub(crate) fn mount_data(device: &str) -> Result<(), InitError> {
    wait_for(Path::new(device), Duration::from_secs(10))?;
    let mut head = vec![0u8; 2048];
    std::fs::File::open(device)
        .and_then(|mut f| f.read_exact(&mut head))
        .map_err(InitError::io(format!("reading the start of {device}")))?;
    if !has_ext_superblock(&head) {
        tracing::info!(device, "no file system on the data disk: formatting it (first boot)");
        format(device)?;
    }
    let flags = MsFlags::MS_NOSUID | MsFlags::MS_NODEV | MsFlags::MS_NOEXEC;
    mount(Some(device), DATA, Some("ext4"), flags, Some("data=ordered"))
        .map_err(InitError::sys(format!("mounting the data area {device} on {DATA}")))?;
    tracing::info!(device, "data area mounted");
    Ok(())
}

fn format(device: &str) -> Result<(), InitError> {
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
            return Err(InitError::Failed { step: format!("waiting for {}", path.display()), reason: format!("not there after {limit:?}") });
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_ext_superblock_is_recognised() {
        let mut head = vec![0u8; 2048];
        assert!(!has_ext_superblock(&head));
        head[1080] = 0x53;
        head[1081] = 0xEF;
        assert!(has_ext_superblock(&head));
    }

    #[test]
    fn a_short_read_is_not_a_file_system() {
        assert!(!has_ext_superblock(&[0u8; 1081]));
    }

    #[test]
    fn a_real_mke2fs_image_is_recognised() {
        let dir = std::env::temp_dir().join(format!("postern-init-ext-{}", std::process::id()));
        let _ = std::fs::remove_file(&dir);
        std::fs::write(&dir, vec![0u8; 8 << 20]).expect("image file");
        let mke2fs = ["/sbin/mke2fs", "/usr/sbin/mke2fs"].into_iter().find(|p| Path::new(p).exists());
        let Some(mke2fs) = mke2fs else {
            let _ = std::fs::remove_file(&dir);
            panic!("mke2fs (e2fsprogs) is needed for this test");
        };
        let status = Command::new(mke2fs).args(["-q", "-F", "-t", "ext4"]).arg(&dir).status().expect("mke2fs runs");
        assert!(status.success());
        let head = std::fs::read(&dir).expect("read image");
        let _ = std::fs::remove_file(&dir);
        assert!(has_ext_superblock(&head[..2048]));
    }
}
