//! A board's pinned Debian packages: taken from the per-user download cache or fetched with
//! apt, checked against the board's sha256, and unpacked in the image's work directory.

use crate::debian::deb_cache::DebCache;
use crate::debian::unavailable;
use crate::shell::{Result, StepError, exec, say};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where a board's pinned packages come from and are unpacked.
pub(crate) struct Debs {
    /// The per-user cache of downloaded `.deb` files.
    cache: DebCache,
    /// The directory the packages are unpacked in (under target/).
    work: PathBuf,
    /// The board file that pins them, named in errors.
    board_file: PathBuf,
}

impl Debs {
    /// The packages `board_file` pins, unpacked under `work`, downloads kept in this user's cache.
    pub(crate) fn new(board_file: &Path, work: &Path) -> Result<Self> {
        Ok(Self { cache: DebCache::for_user()?, work: work.to_owned(), board_file: board_file.to_owned() })
    }

    /// The download cache.
    pub(crate) fn cache(&self) -> &DebCache {
        &self.cache
    }

    /// The pinned `package` at `version` with `sha256`, unpacked: from the cache when it
    /// holds that file, else downloaded; a download with another hash is refused.
    pub(crate) fn unpacked(&self, package: &str, version: &str, sha256: &str) -> Result<PathBuf> {
        let deb = match self.cache.lookup(sha256)? {
            Some(deb) => deb,
            None => self.download_pinned(package, version, sha256)?,
        };
        self.unpack(&deb, package, sha256)
    }

    /// Downloads the pinned file into the cache, explaining what to do when apt cannot.
    fn download_pinned(&self, package: &str, version: &str, sha256: &str) -> Result<PathBuf> {
        let (deb, got) = self.cache.download(package, version).map_err(|e| {
            StepError(unavailable::explain(
                &self.board_file,
                package,
                version,
                &unavailable::gather(package),
                &e.0,
                self.cache.dir(),
            ))
        })?;
        if got != sha256 {
            let _ = std::fs::remove_file(&deb);
            return Err(StepError(format!(
                "apt's {package} {version} has sha256 {got}, but {} pins {sha256}: refusing a package that is not the pinned one (removed the download)",
                self.board_file.display()
            )));
        }
        Ok(deb)
    }

    /// Unpacks `deb` (whose sha256 is `sha256`) under the work directory, once.
    pub(crate) fn unpack(&self, deb: &Path, package: &str, sha256: &str) -> Result<PathBuf> {
        std::fs::create_dir_all(&self.work).map_err(|e| StepError(format!("creating {}: {e}", self.work.display())))?;
        let unpacked = self.work.join(format!("{package}-{}", sha256.get(..16).unwrap_or_default()));
        if !unpacked.is_dir() {
            say(&format!("unpacking {package} in {}", unpacked.display()));
            let partial = self.work.join("unpacking.partial");
            let _ = std::fs::remove_dir_all(&partial);
            exec(Command::new("dpkg-deb").arg("-x").arg(deb).arg(&partial))?;
            std::fs::rename(&partial, &unpacked)
                .map_err(|e| StepError(format!("keeping {}: {e}", unpacked.display())))?;
        }
        Ok(unpacked)
    }
}
