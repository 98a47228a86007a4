//! A Debian 12 system made with debootstrap, with another set of packages than the build
//! machine, and the bind mounts that let it build the workspace with this machine's Rust
//! toolchain.

use crate::image::output;
use crate::packages;
use crate::shell::{Result, StepError, exec, say};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Packages installed on top of debootstrap's minimal base: only what building the image
/// needs (git, a C compiler and linker, the archive and disk tools), nothing else the
/// build machine has.
pub(crate) const PACKAGES: &[&str] = &["git", "gcc", "libc6-dev", "cpio", "mtools", "fdisk", "ca-certificates"];

/// Makes the system in `dir` with debootstrap unless it is there; apt's sources get the
/// security and updates suites too (the pinned kernel may come from either).
pub(crate) fn make(dir: &Path, mirror: &str, security: &str) -> Result {
    if !dir.join("etc/debian_version").is_file() {
        packages::ensure(&[("debootstrap", "debootstrap")])?;
        let partial = dir.with_extension("partial");
        let _ = std::fs::remove_dir_all(&partial);
        say(&format!("making a Debian 12 system in {} (debootstrap, minbase + {})", dir.display(), PACKAGES.join(" ")));
        exec(
            Command::new("debootstrap")
                .args(["--variant=minbase", &format!("--include={}", PACKAGES.join(",")), "bookworm"])
                .arg(&partial)
                .arg(mirror),
        )?;
        std::fs::rename(&partial, dir).map_err(|e| StepError(format!("keeping {}: {e}", dir.display())))?;
    }
    let sources = format!(
        "deb {mirror} bookworm main\ndeb {mirror} bookworm-updates main\ndeb {security} bookworm-security main\n"
    );
    write(&dir.join("etc/apt/sources.list"), &sources)?;
    std::fs::copy("/etc/resolv.conf", dir.join("etc/resolv.conf"))
        .map_err(|e| StepError(format!("copying resolv.conf: {e}")))?;
    Ok(())
}

/// The installed packages of the system at `dir` (`/` for this machine): `name version` lines.
pub(crate) fn package_list(dir: &Path) -> Result<Vec<String>> {
    let text = output(
        Command::new("dpkg-query")
            .arg(format!("--admindir={}", dir.join("var/lib/dpkg").display()))
            .args(["-W", "-f=${db:Status-Abbrev}${Package} ${Version}\n"]),
    )?;
    Ok(text.lines().filter_map(|l| l.strip_prefix("ii ")).map(|l| l.trim().to_owned()).collect())
}

/// Bind mounts into the system, undone (in reverse order) when dropped.
pub(crate) struct Mounts {
    /// The mount points, in the order mounted.
    points: Vec<PathBuf>,
}

impl Mounts {
    /// Mounts `/proc` and `/dev`, then binds each of `paths` at the same path inside `dir`.
    pub(crate) fn bind(dir: &Path, paths: &[PathBuf]) -> Result<Self> {
        let mut mounts = Self { points: Vec::new() };
        mounts.mount(Command::new("mount").args(["-t", "proc", "proc"]), dir.join("proc"))?;
        mounts.mount(Command::new("mount").args(["--rbind", "/dev"]), dir.join("dev"))?;
        for path in paths {
            let at = dir.join(path.strip_prefix("/").unwrap_or(path));
            std::fs::create_dir_all(&at).map_err(|e| StepError(format!("creating {}: {e}", at.display())))?;
            mounts.mount(Command::new("mount").arg("--bind").arg(path), at)?;
        }
        Ok(mounts)
    }

    /// Binds `source` (a path of this machine) at `at` (a path inside `dir`).
    pub(crate) fn bind_at(&mut self, dir: &Path, source: &Path, at: &Path) -> Result {
        let at = dir.join(at.strip_prefix("/").unwrap_or(at));
        for path in [source, &at] {
            std::fs::create_dir_all(path).map_err(|e| StepError(format!("creating {}: {e}", path.display())))?;
        }
        self.mount(Command::new("mount").arg("--bind").arg(source), at)
    }

    fn mount(&mut self, cmd: &mut Command, at: PathBuf) -> Result {
        exec(cmd.arg(&at))?;
        self.points.push(at);
        Ok(())
    }
}

impl Drop for Mounts {
    fn drop(&mut self) {
        for at in self.points.iter().rev() {
            let _ = Command::new("umount").arg("--recursive").arg("--lazy").arg(at).status();
        }
    }
}

fn write(path: &Path, text: &str) -> Result {
    std::fs::write(path, text).map_err(|e| StepError(format!("writing {}: {e}", path.display())))
}
