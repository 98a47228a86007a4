//! The three durable file operations every store of the gateway needs.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A failed file operation: what was being done, to which path, and why.
#[derive(Debug, thiserror::Error)]
#[error("{op} {path}: {source}")]
pub struct FsError {
    /// The operation (`create`, `write`, `flush to disk`, `rename into place`, …).
    pub op: &'static str,
    /// The path it was done to.
    pub path: PathBuf,
    /// Why it failed.
    #[source]
    pub source: std::io::Error,
}

fn fail(op: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> FsError {
    let path = path.to_path_buf();
    move |source| FsError { op, path, source }
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Flushes the directory `dir`, so renames inside it survive a power cut.
pub fn sync_dir(dir: &Path) -> Result<(), FsError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(fail("flush directory", dir))
}

/// Replaces `path` with `bytes` atomically (file mode `mode`): a temporary file beside it
/// is written and flushed, renamed over `path`, and the directory flushed. A reader sees
/// the old content or the new, never a part. Concurrent writers of one path must be
/// serialised by the caller.
pub fn write_atomically(path: &Path, bytes: &[u8], mode: u32) -> Result<(), FsError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // One temporary file per write, so two writes of one file never share one.
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let write = WRITES.fetch_add(1, Ordering::Relaxed);
    let temp = path.with_file_name(format!(".{name}.{}.{write}.tmp", std::process::id()));
    let written = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(&temp)
        .map_err(fail("create", &temp))
        .and_then(|mut file| {
            file.write_all(bytes).map_err(fail("write", &temp))?;
            file.sync_all().map_err(fail("flush to disk", &temp))
        })
        .and_then(|()| std::fs::rename(&temp, path).map_err(fail("rename into place", path)));
    if written.is_err() {
        // Best effort: the temporary file is useless once the write failed.
        let _ = std::fs::remove_file(&temp);
    }
    written?;
    sync_dir(parent(path))
}

/// Renames a damaged file or directory to the first free `<name>.corrupt-<n>` beside it
/// (never deleting anything) and returns the new path. The rename is made durable; a
/// failure to flush the directory only risks redoing the move after a power cut.
pub fn move_aside(path: &Path) -> Result<PathBuf, FsError> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "damaged".to_owned());
    let dir = parent(path);
    let mut n: u32 = 1;
    let target = loop {
        let candidate = dir.join(format!("{name}.corrupt-{n}"));
        if std::fs::symlink_metadata(&candidate).is_err() || n == u32::MAX {
            break candidate;
        }
        n += 1;
    };
    std::fs::rename(path, &target).map_err(fail("move aside to", &target))?;
    let _ = sync_dir(dir);
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replaces_content_with_the_given_mode_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("state.json");
        write_atomically(&path, b"one", 0o600).expect("first write");
        write_atomically(&path, b"two", 0o600).expect("second write");
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        let mode = std::fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1, "only the file itself");
    }

    #[test]
    fn a_failed_write_names_the_operation_and_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let error =
            write_atomically(&dir.path().join("missing/state.json"), b"x", 0o600).expect_err("no such directory");
        assert_eq!(error.op, "create");
        assert!(error.to_string().contains("missing"), "{error}");
    }

    #[test]
    fn moving_aside_keeps_every_damaged_copy() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("cache");
        std::fs::create_dir(&path).expect("dir");
        let first = move_aside(&path).expect("first");
        std::fs::create_dir(&path).expect("dir again");
        let second = move_aside(&path).expect("second");
        assert_eq!(first.file_name().and_then(|n| n.to_str()), Some("cache.corrupt-1"));
        assert_eq!(second.file_name().and_then(|n| n.to_str()), Some("cache.corrupt-2"));
        assert!(first.is_dir() && second.is_dir() && !path.exists());
    }
}
