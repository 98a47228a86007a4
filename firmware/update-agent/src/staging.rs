//! Where a download waits before it goes to the install helper: a file in the daemon's state
//! directory, bounded by the size of the boot partition (no bundle larger can fit).

use crate::UpdateError;
use crate::source::BundleSink;
use std::fs::File;
use std::io::{Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// A download being written to its staging file.
pub(crate) struct Staging {
    path: PathBuf,
    file: File,
    written: u64,
    limit: u64,
}

impl Staging {
    /// A fresh, empty staging file at `path` (any earlier one is replaced), taking at most
    /// `limit` bytes.
    pub(crate) fn create(path: &Path, limit: u64) -> Result<Self, UpdateError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(UpdateError::io("creating", dir))?;
        }
        let _ = std::fs::remove_file(path);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
            .map_err(UpdateError::io("creating", path))?;
        Ok(Self { path: path.to_owned(), file, written: 0, limit })
    }

    /// The whole download, flushed and rewound for the helper to read.
    pub(crate) fn finish(mut self) -> Result<File, UpdateError> {
        self.file.sync_all().map_err(UpdateError::io("flushing", &self.path))?;
        self.file.rewind().map_err(UpdateError::io("rewinding", &self.path))?;
        Ok(self.file)
    }
}

impl BundleSink for Staging {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), UpdateError> {
        self.written += chunk.len() as u64;
        if self.written > self.limit {
            let _ = std::fs::remove_file(&self.path);
            return Err(UpdateError::Payloads(format!(
                "the download is larger than the boot partition ({} bytes)",
                self.limit
            )));
        }
        self.file.write_all(chunk).map_err(UpdateError::io("writing", &self.path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn a_download_is_kept_whole_and_bounded() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("update/incoming.bundle");
        let mut staging = Staging::create(&path, 10).expect("create");
        staging.feed(b"hello ").expect("feed");
        staging.feed(b"you").expect("feed");
        let mut text = String::new();
        staging.finish().expect("finish").read_to_string(&mut text).expect("read");
        assert_eq!(text, "hello you");

        let mut staging = Staging::create(&path, 10).expect("create again");
        staging.feed(b"0123456789").expect("at the limit");
        let err = staging.feed(b"!").expect_err("over the limit");
        assert!(err.to_string().contains("larger than the boot partition"), "{err}");
        assert!(!path.exists(), "an oversized download is removed");
    }
}
