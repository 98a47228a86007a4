//! What the data partition holds, decided from a few stretches of its bytes: an ext file
//! system to mount, a blank partition to format, or something else that must not be
//! formatted.
//!
//! A partition is *blank* when every byte of [`REGIONS`] is zero, as on the factory disk
//! (its data partition is left unwritten). The regions are the first MiB (the primary
//! superblock, and where other file systems, LUKS, LVM and RAID put their signatures) and
//! the places of the first backup superblock of an ext file system with 1, 2 and 4 KiB
//! blocks. A file system whose primary superblock was damaged still has its backups, so
//! it is never taken for blank and formatted.

use std::io;
use std::os::unix::fs::FileExt;

/// Where the ext superblock starts, and its magic number's offset inside it.
const SUPERBLOCK_OFFSET: usize = 1024;
const MAGIC_OFFSET: usize = 56;
const EXT_MAGIC: u16 = 0xEF53;
const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;

/// One stretch of the partition that must be all zeros for it to count as blank.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Region {
    /// Where it starts, in bytes.
    pub(crate) offset: u64,
    /// How long it is, in bytes.
    pub(crate) len: usize,
}

/// The stretches read to decide; the first one holds the primary superblock.
pub(crate) const REGIONS: [Region; 4] = [
    // The primary superblock, and other formats' signatures.
    Region { offset: 0, len: MIB as usize },
    // 1 KiB blocks: group 1 starts at block 8193 (byte 8 MiB + 1 KiB).
    Region { offset: 8 * MIB, len: 8 * KIB as usize },
    // 2 KiB blocks: group 1 starts at block 16384 (byte 32 MiB).
    Region { offset: 32 * MIB, len: 8 * KIB as usize },
    // 4 KiB blocks: group 1 starts at block 32768 (byte 128 MiB).
    Region { offset: 128 * MIB, len: 8 * KIB as usize },
];

/// The ext4 backup superblocks tried when the primary one is damaged, as the mount
/// option `sb=` takes them: in 1 KiB units. Groups 1, 3 and 5 of a file system with
/// 4 KiB blocks (32768 blocks a group), groups 1 and 3 with 2 KiB blocks (16384 a
/// group) and with 1 KiB blocks (8192 a group, after the boot block).
pub(crate) const BACKUP_SUPERBLOCKS: [u64; 7] = [131_072, 393_216, 655_360, 32_768, 98_304, 8_193, 24_577];

/// What to do with the data partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The primary superblock is there: mount it.
    Mount,
    /// Every probed byte is zero: a factory disk, formatted on this first boot.
    Format,
    /// Neither: a damaged or foreign file system, tried with the backup superblocks and
    /// never formatted.
    TryBackups,
}

/// Decides from the bytes read at each of [`REGIONS`] (in that order; a stretch past the
/// partition's end is read short or empty).
pub(crate) fn decide(regions: &[Vec<u8>]) -> Decision {
    let head = regions.first().map_or(&[][..], Vec::as_slice);
    if has_ext_superblock(head) {
        Decision::Mount
    } else if regions.iter().all(|r| r.iter().all(|&b| b == 0)) {
        Decision::Format
    } else {
        Decision::TryBackups
    }
}

/// Whether `head`, the partition's first bytes, holds an ext2/3/4 superblock.
pub(crate) fn has_ext_superblock(head: &[u8]) -> bool {
    let at = SUPERBLOCK_OFFSET + MAGIC_OFFSET;
    head.get(at..at + 2).is_some_and(|b| u16::from_le_bytes([b[0], b[1]]) == EXT_MAGIC)
}

/// Reads each of [`REGIONS`] from `device`, each cut short where the device ends.
pub(crate) fn read_regions(device: &impl FileExt) -> io::Result<Vec<Vec<u8>>> {
    REGIONS.iter().map(|r| read_at_most(device, r.offset, r.len)).collect()
}

fn read_at_most(device: &impl FileExt, offset: u64, len: usize) -> io::Result<Vec<u8>> {
    let mut buf = vec![0u8; len];
    let mut filled = 0;
    while filled < len {
        match device.read_at(&mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    buf.truncate(filled);
    Ok(buf)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    fn blank() -> Vec<Vec<u8>> {
        REGIONS.iter().map(|r| vec![0u8; r.len]).collect()
    }

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
    fn zeros_everywhere_are_formatted_and_one_byte_anywhere_is_not() {
        assert_eq!(decide(&blank()), Decision::Format);
        for (i, region) in REGIONS.iter().enumerate() {
            for at in [0, region.len / 2, region.len - 1] {
                let mut regions = blank();
                regions[i][at] = 1;
                assert_eq!(decide(&regions), Decision::TryBackups, "region {i} byte {at}");
            }
        }
    }

    #[test]
    fn a_small_partition_is_judged_on_what_it_has() {
        let mut regions = blank();
        regions[2].clear();
        regions[3].clear();
        assert_eq!(decide(&regions), Decision::Format);
        regions[1][5] = 0xFF;
        assert_eq!(decide(&regions), Decision::TryBackups);
    }

    /// A sparse image file, removed on drop.
    /// An image file, removed on drop. While one exists, no other test of this binary
    /// holds one: a program started for one test (mke2fs, debugfs, losetup) would inherit,
    /// between its fork and its exec, descriptors another test has open on a mounted
    /// image, and that test's unmount would then fail as busy.
    pub(crate) struct Image(
        pub(crate) PathBuf,
        #[expect(dead_code, reason = "held, never read: other tests wait while it lives")]
        std::sync::MutexGuard<'static, ()>,
    );

    static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

    impl Image {
        pub(crate) fn zeros(name: &str) -> io::Result<Self> {
            let turn = ONE_AT_A_TIME.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let path = std::env::temp_dir().join(format!("postern-init-{name}-{}.img", std::process::id()));
            let file = std::fs::File::create(&path)?;
            file.set_len(256 * MIB)?;
            Ok(Self(path, turn))
        }

        /// An ext4 file system with `block_size`-byte blocks holding `/hello`.
        pub(crate) fn ext4(name: &str, block_size: u32) -> io::Result<Self> {
            let image = Self::zeros(name)?;
            let size = block_size.to_string();
            run(Command::new(e2fs("mke2fs")).args(["-q", "-F", "-t", "ext4", "-b", &size]).arg(&image.0))?;
            let hello = image.0.with_extension("hello");
            std::fs::write(&hello, "kept")?;
            let write = format!("write {} hello", hello.display());
            let done = run(Command::new(e2fs("debugfs")).args(["-w", "-R", &write]).arg(&image.0));
            std::fs::remove_file(&hello)?;
            done?;
            Ok(image)
        }

        /// Overwrites `len` bytes at `offset` with zeros.
        pub(crate) fn zero(&self, offset: u64, len: usize) -> io::Result<()> {
            std::fs::OpenOptions::new().write(true).open(&self.0)?.write_all_at(&vec![0u8; len], offset)
        }

        fn decision(&self) -> io::Result<Decision> {
            Ok(decide(&read_regions(&std::fs::File::open(&self.0)?)?))
        }
    }

    impl Drop for Image {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    /// An e2fsprogs program; the tests need e2fsprogs.
    pub(crate) fn e2fs(name: &str) -> PathBuf {
        ["/sbin", "/usr/sbin"]
            .iter()
            .map(|dir| Path::new(dir).join(name))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("{name} (e2fsprogs) is needed for this test"))
    }

    pub(crate) fn run(command: &mut Command) -> io::Result<String> {
        let out = command.output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!("{command:?}: {}", String::from_utf8_lossy(&out.stderr))));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    #[test]
    fn a_fresh_file_system_is_mounted() -> io::Result<()> {
        for block_size in [1024, 4096] {
            assert_eq!(Image::ext4(&format!("fresh-{block_size}"), block_size)?.decision()?, Decision::Mount);
        }
        Ok(())
    }

    #[test]
    fn an_all_zero_partition_is_formatted() -> io::Result<()> {
        assert_eq!(Image::zeros("zeros")?.decision()?, Decision::Format);
        Ok(())
    }

    #[test]
    fn a_damaged_primary_superblock_is_never_formatted() -> io::Result<()> {
        for block_size in [1024, 4096] {
            let image = Image::ext4(&format!("damaged-{block_size}"), block_size)?;
            image.zero(SUPERBLOCK_OFFSET as u64, 1024)?;
            assert_eq!(image.decision()?, Decision::TryBackups, "{block_size}-byte blocks, superblock zeroed");
            // Even with its whole first MiB gone, the backups tell it from a blank disk.
            image.zero(0, MIB as usize)?;
            assert_eq!(image.decision()?, Decision::TryBackups, "{block_size}-byte blocks, first MiB zeroed");
        }
        Ok(())
    }

    #[test]
    fn the_backup_list_finds_the_data_behind_a_zeroed_superblock() -> io::Result<()> {
        for block_size in [1024u64, 2048, 4096] {
            let image =
                Image::ext4(&format!("backups-{block_size}"), u32::try_from(block_size).map_err(io::Error::other)?)?;
            image.zero(SUPERBLOCK_OFFSET as u64, 1024)?;
            let debugfs = e2fs("debugfs");
            // debugfs reports its failures on stderr only: the data is judged by stdout.
            let primary = run(Command::new(&debugfs).args(["-R", "cat /hello"]).arg(&image.0))?;
            assert_ne!(primary, "kept", "the primary superblock is really gone");
            // The entries of the list that fall on a block boundary of this size.
            let usable: Vec<u64> = BACKUP_SUPERBLOCKS
                .iter()
                .filter(|&&kib| kib * KIB % block_size == 0)
                .map(|kib| kib * KIB / block_size)
                .collect();
            let found = usable.iter().filter(|&&block| {
                // -c: catastrophic mode, the backup's stale bitmaps are not read.
                let args = ["-c", "-s", &block.to_string(), "-b", &block_size.to_string(), "-R", "cat /hello"];
                run(Command::new(&debugfs).args(args).arg(&image.0)).is_ok_and(|text| text == "kept")
            });
            assert!(
                found.count() >= 1,
                "no listed backup superblock of a {block_size}-byte-block file system holds its data"
            );
        }
        Ok(())
    }
}
