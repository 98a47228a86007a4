//! Handing a directory tree to the daemon's user without following any link in it.
//!
//! The state directories belong to posternd, so anything in them may have been planted by
//! it: a symbolic link to `/dev/vda` or to a root-owned file, a directory replaced by a
//! link, a hard link to a file of root's on the same file system. The walk goes through
//! directory descriptors (`openat` with `O_NOFOLLOW`, `fchownat` with
//! `AT_SYMLINK_NOFOLLOW`), so a link is never followed: it is left as it is, neither
//! chowned nor entered, and a file with several hard links that is not already the
//! user's is left alone too.

use crate::error::InitError;
use nix::fcntl::{AtFlags, OFlag, open, openat};
use nix::sys::stat::{FileStat, Mode, SFlag, fstatat};
use nix::unistd::{Gid, Uid, fchown, fchownat};
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, OwnedFd};
use std::path::{Path, PathBuf};

/// How deep the walk goes; the state directories are a few levels deep.
const MAX_DEPTH: usize = 32;

/// Gives `root` and everything under it to `uid`:`gid`, never following a link.
///
/// A `root` that is itself a link is left alone (with a warning), like every link below it.
pub(crate) fn chown_tree(root: &Path, uid: Uid, gid: Gid) -> Result<(), InitError> {
    let stat = fstatat(nix::fcntl::AT_FDCWD, root, AtFlags::AT_SYMLINK_NOFOLLOW)
        .map_err(InitError::sys(format!("inspecting {}", root.display())))?;
    match SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT {
        SFlag::S_IFLNK => {
            tracing::warn!(path = %root.display(), "a symbolic link where a state directory should be: left alone");
            Ok(())
        }
        SFlag::S_IFDIR => {
            // O_NOFOLLOW: a directory swapped for a link since fails here instead.
            let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
            let dir =
                open(root, flags, Mode::empty()).map_err(InitError::sys(format!("opening {}", root.display())))?;
            Walk { uid, gid }.dir(dir, root.to_path_buf(), 0)
        }
        _ => fchownat(nix::fcntl::AT_FDCWD, root, Some(uid), Some(gid), AtFlags::AT_SYMLINK_NOFOLLOW)
            .map_err(InitError::sys(format!("owning {}", root.display()))),
    }
}

/// The owner being handed out.
struct Walk {
    uid: Uid,
    gid: Gid,
}

impl Walk {
    /// Owns the open directory `dir` (at `path`, for messages) and everything in it.
    fn dir(&self, dir: OwnedFd, path: PathBuf, depth: usize) -> Result<(), InitError> {
        fchown(&dir, Some(self.uid), Some(self.gid)).map_err(InitError::sys(format!("owning {}", path.display())))?;
        if depth >= MAX_DEPTH {
            tracing::warn!(path = %path.display(), max_depth = MAX_DEPTH, "state directory nested too deep: its contents keep their owners");
            return Ok(());
        }
        for name in names(&dir, &path)? {
            let here = path.join(name.to_string_lossy().as_ref());
            let stat = fstatat(&dir, name.as_c_str(), AtFlags::AT_SYMLINK_NOFOLLOW)
                .map_err(InitError::sys(format!("inspecting {}", here.display())))?;
            match SFlag::from_bits_truncate(stat.st_mode) & SFlag::S_IFMT {
                SFlag::S_IFLNK => {
                    tracing::warn!(path = %here.display(), "symbolic link in a state directory: left alone, not followed")
                }
                SFlag::S_IFDIR => {
                    let flags = OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC;
                    let sub = openat(&dir, name.as_c_str(), flags, Mode::empty())
                        .map_err(InitError::sys(format!("opening {}", here.display())))?;
                    self.dir(sub, here, depth + 1)?;
                }
                _ if self.foreign_hard_link(&stat) => {
                    tracing::warn!(path = %here.display(), links = stat.st_nlink, owner = stat.st_uid, "hard-linked file of another owner in a state directory: left alone");
                }
                _ => fchownat(&dir, name.as_c_str(), Some(self.uid), Some(self.gid), AtFlags::AT_SYMLINK_NOFOLLOW)
                    .map_err(InitError::sys(format!("owning {}", here.display())))?,
            }
        }
        Ok(())
    }

    /// A file with other names elsewhere that is not already the user's: owning it here
    /// would hand over the other names too.
    fn foreign_hard_link(&self, stat: &FileStat) -> bool {
        stat.st_nlink > 1 && (stat.st_uid != self.uid.as_raw() || stat.st_gid != self.gid.as_raw())
    }
}

/// The entries of `dir`, without `.` and `..`.
fn names(dir: &OwnedFd, path: &Path) -> Result<Vec<CString>, InitError> {
    let copy = dir.as_fd().try_clone_to_owned().map_err(InitError::io(format!("listing {}", path.display())))?;
    let mut entries = nix::dir::Dir::from_fd(copy).map_err(InitError::sys(format!("listing {}", path.display())))?;
    let mut names = Vec::new();
    for entry in entries.iter() {
        let entry = entry.map_err(InitError::sys(format!("listing {}", path.display())))?;
        let name: &CStr = entry.file_name();
        if name != c"." && name != c".." {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    const UID: u32 = 4242;
    const GID: u32 = 4343;

    /// A fresh directory under the system's temporary directory, removed on drop.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new(name: &str) -> Self {
            let dir = std::env::temp_dir().join(format!("postern-init-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("scratch directory");
            Self(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn owner(path: &Path) -> (u32, u32) {
        let m = std::fs::symlink_metadata(path).expect("metadata");
        (m.uid(), m.gid())
    }

    /// Changing owners needs root; unprivileged runs skip these tests, saying so.
    fn privileged() -> bool {
        let root = nix::unistd::geteuid().is_root();
        if !root {
            eprintln!("skipped: changing owners needs root");
        }
        root
    }

    fn run(root: &Path) {
        chown_tree(root, Uid::from_raw(UID), Gid::from_raw(GID)).expect("chown_tree");
    }

    #[test]
    fn the_files_inside_change_owner() -> std::io::Result<()> {
        if !privileged() {
            return Ok(());
        }
        let scratch = Scratch::new("own-inside");
        let tree = scratch.0.join("state");
        std::fs::create_dir_all(tree.join("config/history"))?;
        std::fs::write(tree.join("config/running.toml"), "x")?;
        std::fs::write(tree.join("config/history/1.toml"), "x")?;
        run(&tree);
        for path in ["", "config", "config/running.toml", "config/history", "config/history/1.toml"] {
            assert_eq!(owner(&tree.join(path)), (UID, GID), "{path}");
        }
        Ok(())
    }

    #[test]
    fn links_to_the_outside_are_neither_followed_nor_chowned() -> std::io::Result<()> {
        if !privileged() {
            return Ok(());
        }
        let scratch = Scratch::new("own-links");
        let outside = scratch.0.join("outside");
        std::fs::create_dir_all(outside.join("dir"))?;
        std::fs::write(outside.join("root-file"), "secret")?;
        std::fs::write(outside.join("dir/inner"), "secret")?;
        std::os::unix::fs::chown(&outside, Some(0), Some(0))?;
        let tree = scratch.0.join("state");
        std::fs::create_dir_all(tree.join("cache"))?;
        std::fs::write(tree.join("cache/db"), "x")?;
        std::os::unix::fs::symlink(outside.join("root-file"), tree.join("file-link"))?;
        std::os::unix::fs::symlink(outside.join("dir"), tree.join("cache/dir-link"))?;
        // A stand-in for a disk device: a regression must not touch the host's /dev.
        nix::unistd::mkfifo(&outside.join("disk"), Mode::from_bits_truncate(0o600))?;
        std::os::unix::fs::symlink(outside.join("disk"), tree.join("device-link"))?;
        std::fs::hard_link(outside.join("root-file"), tree.join("hard-link"))?;

        run(&tree);

        for path in ["root-file", "dir", "dir/inner", "disk"] {
            assert_eq!(owner(&outside.join(path)), (0, 0), "{path} outside the tree kept its owner");
        }
        for link in ["file-link", "cache/dir-link", "device-link"] {
            assert_eq!(owner(&tree.join(link)), (0, 0), "{link} itself was not chowned");
        }
        assert_eq!(owner(&tree.join("hard-link")), (0, 0), "a hard link to root's file is left alone");
        assert_eq!(owner(&tree.join("cache/db")), (UID, GID));
        assert_eq!(owner(&tree.join("cache")), (UID, GID));
        Ok(())
    }

    #[test]
    fn a_root_that_is_a_link_is_left_alone() -> std::io::Result<()> {
        if !privileged() {
            return Ok(());
        }
        let scratch = Scratch::new("own-root-link");
        let target = scratch.0.join("target");
        std::fs::create_dir_all(&target)?;
        std::fs::write(target.join("f"), "x")?;
        let link = scratch.0.join("state");
        std::os::unix::fs::symlink(&target, &link)?;
        run(&link);
        assert_eq!(owner(&target), (0, 0));
        assert_eq!(owner(&target.join("f")), (0, 0));
        assert_eq!(owner(&link), (0, 0));
        Ok(())
    }
}
