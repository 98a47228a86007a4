//! The root file system: a staging tree with fixed modes and times, packed as a sorted
//! newc cpio archive (the initramfs the kernel unpacks), gzip'ed without names or times.

use super::binaries::Placed;
use super::kernel::Kernel;
use super::trust::UpdateTrust;
use crate::shell::{Result, StepError, exec, root};
use postern_update_bundle::ImageTrust;
use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Empty directories the init mounts on or writes to.
const DIRECTORIES: &[&str] = &["proc", "sys", "dev", "run", "tmp", "data", "boot", "root", "var/lib", "etc/postern"];
/// Symbolic links: (link, target).
const LINKS: &[(&str, &str)] = &[
    ("var/lib/postern", "/data/postern"),
    ("sbin/init", "/init"),
    // Name lookups use the DNS servers of the DHCP leases (postern-dhcp-client writes it).
    ("etc/resolv.conf", "/run/postern/dhcp/resolv.conf"),
];

/// Fills `stage` (emptied first) with the placed programs, the kernel modules, the
/// board file and everything under `rootfs/`.
pub(crate) fn stage(stage: &Path, placed: &Placed, kernel: &Kernel, board_file: &Path, version: &str) -> Result {
    let _ = std::fs::remove_dir_all(stage);
    for dir in DIRECTORIES {
        mkdir(&stage.join(dir))?;
    }
    for (dest, source) in placed {
        copy(source, &stage.join(dest.trim_start_matches('/')), 0o755)?;
    }
    for (name, source) in kernel.modules.iter().chain(&kernel.drivers.files) {
        copy(source, &stage.join("lib/modules").join(format!("{name}.ko")), 0o644)?;
    }
    if !kernel.drivers.files.is_empty() {
        write(&stage.join("lib/modules/drivers.alias"), &kernel.drivers.aliases)?;
        write(&stage.join("lib/modules/drivers.dep"), &kernel.drivers.deps)?;
    }
    copy(board_file, &stage.join("etc/postern/board.toml"), 0o644)?;
    write(&stage.join("etc/postern/version"), version)?;
    copy_tree(&root().join("rootfs"), stage)?;
    for (link, target) in LINKS {
        let at = stage.join(link);
        if let Some(parent) = at.parent() {
            mkdir(parent)?;
        }
        symlink(target, &at).map_err(|e| StepError(format!("linking {}: {e}", at.display())))?;
    }
    let mut entries = Vec::new();
    list(stage, Path::new("."), &mut entries)?;
    for entry in entries.iter().map(|e| stage.join(e)) {
        if entry.is_dir() && !entry.is_symlink() {
            set_permissions(&entry, 0o755)?;
        }
    }
    set_permissions(&stage.join("tmp"), 0o1777)?;
    set_permissions(&stage.join("root"), 0o700)
}

/// Packs `stage` into `archive`: every entry's time set to `epoch`, sorted by name,
/// owned by root, then `gzip -9 -n`.
pub(crate) fn pack(stage: &Path, archive: &Path, epoch: u64) -> Result {
    let mut entries = Vec::new();
    list(stage, Path::new("."), &mut entries)?;
    entries.sort();
    let mut touch = Command::new("touch");
    touch.args(["-h", "-d", &format!("@{epoch}")]).args(&entries).current_dir(stage);
    exec(&mut touch)?;
    let cpio_out = archive.with_file_name("rootfs.cpio.partial");
    let out =
        std::fs::File::create(&cpio_out).map_err(|e| StepError(format!("creating {}: {e}", cpio_out.display())))?;
    let mut cpio = Command::new("cpio")
        .args(["--null", "--reproducible", "--quiet", "-o", "-H", "newc", "-R", "0:0"])
        .current_dir(stage)
        .stdin(Stdio::piped())
        .stdout(out)
        .spawn()
        .map_err(|e| StepError(format!("starting cpio: {e}")))?;
    {
        let mut stdin = cpio.stdin.take().ok_or_else(|| StepError("cpio has no stdin".into()))?;
        for entry in &entries {
            stdin
                .write_all(entry.as_os_str().as_encoded_bytes())
                .and_then(|()| stdin.write_all(b"\0"))
                .map_err(|e| StepError(format!("feeding cpio: {e}")))?;
        }
    }
    let status = cpio.wait().map_err(|e| StepError(format!("waiting for cpio: {e}")))?;
    if !status.success() {
        return Err(StepError(format!("cpio failed: {status}")));
    }
    let gz = std::fs::File::create(archive).map_err(|e| StepError(format!("creating {}: {e}", archive.display())))?;
    let input =
        std::fs::File::open(&cpio_out).map_err(|e| StepError(format!("reading {}: {e}", cpio_out.display())))?;
    exec(Command::new("gzip").args(["-9", "-n", "-c"]).stdin(input).stdout(gz))?;
    std::fs::remove_file(&cpio_out).map_err(|e| StepError(format!("removing {}: {e}", cpio_out.display())))
}

/// Every entry under `dir`, as paths relative to the stage (`./…`).
fn list(base: &Path, rel: &Path, out: &mut Vec<PathBuf>) -> Result {
    let dir = base.join(rel);
    for entry in std::fs::read_dir(&dir).map_err(|e| StepError(format!("listing {}: {e}", dir.display())))? {
        let entry = entry.map_err(|e| StepError(format!("listing {}: {e}", dir.display())))?;
        let path = rel.join(entry.file_name());
        let kind = entry.file_type().map_err(|e| StepError(format!("{}: {e}", path.display())))?;
        out.push(path.clone());
        if kind.is_dir() {
            list(base, &path, out)?;
        }
    }
    Ok(())
}

/// Copies `rootfs/` into the stage: directories 0755, files 0644 (0755 when executable in
/// the work tree); `README.md` at its top is documentation, not content.
fn copy_tree(from: &Path, to: &Path) -> Result {
    for entry in std::fs::read_dir(from).map_err(|e| StepError(format!("listing {}: {e}", from.display())))? {
        let entry = entry.map_err(|e| StepError(format!("listing {}: {e}", from.display())))?;
        let source = entry.path();
        let dest = to.join(entry.file_name());
        if from == root().join("rootfs") && entry.file_name() == "README.md" {
            continue;
        }
        if source.is_dir() {
            mkdir(&dest)?;
            copy_tree(&source, &dest)?;
        } else {
            let executable = source.metadata().map(|m| m.permissions().mode() & 0o111 != 0).unwrap_or(false);
            copy(&source, &dest, if executable { 0o755 } else { 0o644 })?;
        }
    }
    Ok(())
}

fn mkdir(dir: &Path) -> Result {
    std::fs::create_dir_all(dir).map_err(|e| StepError(format!("creating {}: {e}", dir.display())))?;
    set_permissions(dir, 0o755)
}

fn copy(source: &Path, dest: &Path, mode: u32) -> Result {
    if let Some(parent) = dest.parent() {
        mkdir(parent)?;
    }
    std::fs::copy(source, dest)
        .map_err(|e| StepError(format!("copying {} to {}: {e}", source.display(), dest.display())))?;
    set_permissions(dest, mode)
}

fn write(dest: &Path, text: &str) -> Result {
    std::fs::write(dest, text).map_err(|e| StepError(format!("writing {}: {e}", dest.display())))?;
    set_permissions(dest, 0o644)
}

fn set_permissions(path: &Path, mode: u32) -> Result {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
        .map_err(|e| StepError(format!("setting the mode of {}: {e}", path.display())))
}

/// Writes the release number (`etc/postern/release`: `NUMBER STRING`), the image file saying
/// whether this is a production or a test image (`etc/postern/image.toml`), the trusted
/// update-signing keys (`etc/postern/update-keys/*.pub`) and the update server's CA
/// (`etc/postern/update-ca.pem`) into the stage.
pub(crate) fn add_release(stage: &Path, version: &postern_boot_slots::SlotVersion, trust: &UpdateTrust) -> Result {
    copy(&trust.ca, &stage.join("etc/postern/update-ca.pem"), 0o644)?;
    write(&stage.join("etc/postern/release"), &format!("{} {}\n", version.number, version.string))?;
    write(&stage.join("etc/postern/image.toml"), &image_file(trust.kind))?;
    let dir = stage.join("etc/postern/update-keys");
    mkdir(&dir)?;
    let listing = |e| StepError(format!("listing {}: {e}", trust.keys.display()));
    for entry in std::fs::read_dir(&trust.keys).map_err(listing)? {
        let path = entry.map_err(listing)?.path();
        if let (Some(name), true) = (path.file_name(), path.extension().is_some_and(|e| e == "pub")) {
            copy(&path, &dir.join(name), 0o644)?;
        }
    }
    Ok(())
}

/// The text of `etc/postern/image.toml`, which the update agent and the CLI read.
fn image_file(kind: ImageTrust) -> String {
    let meaning = match kind {
        ImageTrust::Production => "the operator's own update keys and CA only; the public TEST key is refused",
        ImageTrust::Test => "the public TEST keys of the repository: for development and tests, never production",
    };
    format!(
        "# What this image trusts for its updates (written by cargo xtask image):\n# {meaning}.\ntrust = \"{}\"\n",
        kind.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_test_image_gets_its_keys_ca_release_and_an_image_file_that_says_test() {
        let keys = root().join("keys");
        let trust = super::super::trust::resolve(true, None, None, &keys).expect("test image");
        let stage = tempfile::tempdir().expect("stage");
        let version = postern_boot_slots::SlotVersion { number: 7, string: "0.1.0-r7".into() };
        add_release(stage.path(), &version, &trust).expect("added");
        let etc = stage.path().join("etc/postern");
        assert_eq!(std::fs::read_to_string(etc.join("release")).expect("release"), "7 0.1.0-r7\n");
        assert_eq!(
            postern_update_agent::read_image_trust(&etc.join("image.toml")).expect("image file"),
            Some(ImageTrust::Test)
        );
        let copied = std::fs::read(etc.join("update-keys/TEST-ONLY-update-signing.pub")).expect("trusted key");
        assert_eq!(copied, std::fs::read(keys.join("TEST-ONLY-update-signing.pub")).expect("committed key"));
        assert!(!etc.join("update-keys/TEST-ONLY-update-signing.key").exists(), "only public keys go in");
        assert_eq!(
            std::fs::read(etc.join("update-ca.pem")).expect("ca"),
            std::fs::read(keys.join("TEST-ONLY-update-server-ca.pem")).expect("committed ca")
        );
    }

    #[test]
    fn the_image_file_is_what_the_agent_reads() {
        for kind in [ImageTrust::Production, ImageTrust::Test] {
            let text = image_file(kind);
            let dir = tempfile::tempdir().expect("dir");
            let path = dir.path().join("image.toml");
            std::fs::write(&path, &text).expect("write");
            let read = postern_update_agent::read_image_trust(&path).expect("the agent reads it");
            assert_eq!(read, Some(kind), "{text}");
        }
    }
}
