//! Whether a path is mounted read-only, from the kernel's mount table (`/proc/self/mountinfo`).

use std::path::Path;

/// Whether `mount_point` is mounted read-only now; `None` when it is not a mount point or
/// the table cannot be read.
pub(crate) fn read_only(mount_point: &Path) -> Option<bool> {
    let table = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    read_only_in(&table, &mount_point.display().to_string())
}

/// The last mount of `mount_point` in `table` (mountinfo's format: the fifth field is the
/// mount point, the sixth its per-mount options).
fn read_only_in(table: &str, mount_point: &str) -> Option<bool> {
    table.lines().rev().find_map(|line| {
        let mut fields = line.split(' ').skip(4);
        (fields.next()? == mount_point).then(|| fields.next().is_some_and(|o| o.split(',').any(|o| o == "ro")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_mount_of_the_point_decides() {
        let table = "22 1 0:21 / / ro,relatime - rootfs rootfs rw\n\
                     30 22 254:1 / /boot rw,nosuid - vfat /dev/vda1 rw\n\
                     31 22 254:2 / /data rw,nosuid - ext4 /dev/vda2 rw\n\
                     32 30 254:1 / /boot ro,nosuid,nodev,noexec - vfat /dev/vda1 rw\n";
        assert_eq!(read_only_in(table, "/boot"), Some(true));
        assert_eq!(read_only_in(table, "/data"), Some(false));
        assert_eq!(read_only_in(table, "/"), Some(true));
        assert_eq!(read_only_in(table, "/nowhere"), None);
    }
}
