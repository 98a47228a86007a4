//! The per-user cache of downloaded Debian packages, outside any target directory: each
//! `.deb` is stored under its sha256, so a pinned file fetched once is found again on this
//! machine even after the archive has dropped it.

use crate::image::sha256_file;
use crate::packages;
use crate::shell::{Result, StepError, exec, say};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable that sets the cache's directory.
pub(crate) const ENV: &str = "POSTERN_DEB_CACHE";

/// The cache's directory: `$POSTERN_DEB_CACHE`, else `$XDG_CACHE_HOME/postern/debs`, else
/// `$HOME/.cache/postern/debs` (empty and, for XDG, relative values are ignored).
pub(crate) fn dir_from(own: Option<OsString>, xdg_cache: Option<OsString>, home: Option<OsString>) -> Option<PathBuf> {
    let set = |v: Option<OsString>| v.filter(|v| !v.is_empty()).map(PathBuf::from);
    set(own)
        .or_else(|| set(xdg_cache).filter(|p| p.is_absolute()).map(|p| p.join("postern/debs")))
        .or_else(|| set(home).map(|h| h.join(".cache/postern/debs")))
}

/// Downloaded packages by sha256.
pub(crate) struct DebCache {
    /// The directory holding `<sha256>.deb` files.
    dir: PathBuf,
}

impl DebCache {
    /// The cache of this user (see [`dir_from`]), created if missing.
    pub(crate) fn for_user() -> Result<Self> {
        let env = |name| std::env::var_os(name);
        let dir = dir_from(env(ENV), env("XDG_CACHE_HOME"), env("HOME"))
            .ok_or_else(|| StepError(format!("no cache directory for downloaded packages: set {ENV} or HOME")))?;
        Self::at(dir)
    }

    /// The cache in `dir`, created if missing.
    pub(crate) fn at(dir: PathBuf) -> Result<Self> {
        std::fs::create_dir_all(&dir)
            .map_err(|e| StepError(format!("creating the package cache {}: {e}", dir.display())))?;
        Ok(Self { dir })
    }

    /// The cache's directory.
    pub(crate) fn dir(&self) -> &Path {
        &self.dir
    }

    /// The cached file with this sha256, if there is one whose contents have it. A file
    /// under that name with other contents is removed, saying so.
    pub(crate) fn lookup(&self, sha256: &str) -> Result<Option<PathBuf>> {
        let path = self.dir.join(format!("{sha256}.deb"));
        if !path.is_file() {
            return Ok(None);
        }
        let got = sha256_file(&path)?;
        if got == sha256 {
            return Ok(Some(path));
        }
        say(&format!("removing {}: its sha256 is {got}, not the one it is stored under", path.display()));
        std::fs::remove_file(&path).map_err(|e| StepError(format!("removing {}: {e}", path.display())))?;
        Ok(None)
    }

    /// Downloads `package` at `version` with apt (refreshing apt's lists once if that
    /// fails) and keeps it under its sha256; returns (file, sha256).
    pub(crate) fn download(&self, package: &str, version: &str) -> Result<(PathBuf, String)> {
        let partial = self.dir.join(format!("download-{}.partial", std::process::id()));
        let _ = std::fs::remove_dir_all(&partial);
        std::fs::create_dir_all(&partial).map_err(|e| StepError(format!("creating {}: {e}", partial.display())))?;
        say(&format!("fetching {package} {version} with apt"));
        let download = || {
            exec(
                Command::new("apt-get").args(["download", "-q", &format!("{package}={version}")]).current_dir(&partial),
            )
        };
        let fetched = download().or_else(|_| {
            say("refreshing apt's package lists, then trying again");
            packages::apt_update()?;
            download()
        });
        let kept = fetched.and_then(|()| self.keep_download(&partial));
        let _ = std::fs::remove_dir_all(&partial);
        kept
    }

    /// Moves the one `.deb` apt left in `partial` into the cache under its sha256.
    fn keep_download(&self, partial: &Path) -> Result<(PathBuf, String)> {
        let debs: Vec<PathBuf> = std::fs::read_dir(partial)
            .map_err(|e| StepError(format!("listing {}: {e}", partial.display())))?
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "deb"))
            .collect();
        let [deb] = debs.as_slice() else {
            return Err(StepError(format!("apt left {} .deb files in {}, not one", debs.len(), partial.display())));
        };
        let sha256 = sha256_file(deb)?;
        let kept = self.dir.join(format!("{sha256}.deb"));
        std::fs::rename(deb, &kept).map_err(|e| StepError(format!("keeping {}: {e}", kept.display())))?;
        Ok((kept, sha256))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn some(s: &str) -> Option<OsString> {
        Some(s.into())
    }

    #[test]
    fn the_directory_follows_the_variable_then_xdg_then_home() {
        let dir = |own, xdg, home| dir_from(own, xdg, home).map(|p| p.display().to_string());
        assert_eq!(dir(some("/srv/debs"), some("/x"), some("/home/u")).as_deref(), Some("/srv/debs"));
        assert_eq!(dir(None, some("/x"), some("/home/u")).as_deref(), Some("/x/postern/debs"));
        assert_eq!(dir(some(""), some("relative"), some("/home/u")).as_deref(), Some("/home/u/.cache/postern/debs"));
        assert_eq!(dir(None, None, None), None);
    }

    #[test]
    fn a_cached_file_is_used_only_with_the_right_hash() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let cache = DebCache::at(tmp.path().join("debs")).expect("cache");
        let good = tmp.path().join("good");
        std::fs::write(&good, b"package contents").expect("write");
        let sha = sha256_file(&good).expect("sha");
        assert!(cache.lookup(&sha).expect("lookup").is_none(), "empty cache");
        std::fs::copy(&good, cache.dir().join(format!("{sha}.deb"))).expect("copy");
        assert_eq!(cache.lookup(&sha).expect("lookup"), Some(cache.dir().join(format!("{sha}.deb"))));
        std::fs::write(cache.dir().join(format!("{sha}.deb")), b"tampered").expect("tamper");
        assert!(cache.lookup(&sha).expect("lookup").is_none(), "a file with another hash is not used");
        assert!(!cache.dir().join(format!("{sha}.deb")).exists(), "and it is removed");
    }
}
