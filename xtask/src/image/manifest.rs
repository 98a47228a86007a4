//! The image's manifest: what went in (versions) and every file with its sha256.

use super::hashing::sha256_file;
use super::trust::UpdateTrust;
use crate::shell::{Result, StepError};
use postern_board::UserlandPackage;
use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// What went into the image, for the manifest's header.
pub(crate) struct Inputs<'a> {
    /// The board's name.
    pub(crate) board: &'a str,
    /// The product version string.
    pub(crate) version: &'a str,
    /// The release number updates compare.
    pub(crate) release: u64,
    /// The commit built.
    pub(crate) commit: &'a str,
    /// The timestamp every file carries.
    pub(crate) epoch: u64,
    /// `rustc -V`.
    pub(crate) rustc: &'a str,
    /// The kernel: (package, version, deb sha256).
    pub(crate) kernel: (&'a str, &'a str, &'a str),
    /// The pinned Debian packages the programs and libraries come from.
    pub(crate) userland: &'a [UserlandPackage],
    /// What the image trusts for its updates.
    pub(crate) trust: &'a UpdateTrust,
}

/// Writes `manifest.json` in `out`: the inputs, the artefacts and every file of `stage`.
pub(crate) fn write(out: &Path, stage: &Path, artefacts: &[&str], inputs: &Inputs<'_>) -> Result {
    let mut files = Vec::new();
    collect(stage, stage, &mut files)?;
    files.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    let mut built = Vec::new();
    for name in artefacts {
        let path = out.join(name);
        built.push(json!({ "path": name, "sha256": sha256_file(&path)?, "bytes": size(&path)? }));
    }
    let manifest = json!({
        "format": 1,
        "product": "postern",
        "version": inputs.version,
        "release": inputs.release,
        "commit": inputs.commit,
        "board": inputs.board,
        "trust": inputs.trust.kind.name(),
        "update_key_ids": inputs.trust.key_ids,
        "source_date_epoch": inputs.epoch,
        "rustc": inputs.rustc,
        "kernel": { "package": inputs.kernel.0, "version": inputs.kernel.1, "deb_sha256": inputs.kernel.2 },
        "debian_packages": debian_packages(inputs.userland),
        "artefacts": built,
        "files": files,
    });
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| StepError(format!("manifest: {e}")))?;
    let path = out.join("manifest.json");
    std::fs::write(&path, text + "\n").map_err(|e| StepError(format!("writing {}: {e}", path.display())))
}

/// The pinned userland packages: name → version and `.deb` sha256.
fn debian_packages(pins: &[UserlandPackage]) -> Value {
    pins.iter()
        .map(|p| (p.package.clone(), json!({ "version": p.version, "deb_sha256": p.deb_sha256 })))
        .collect::<serde_json::Map<String, Value>>()
        .into()
}

fn collect(base: &Path, dir: &Path, files: &mut Vec<Value>) -> Result {
    for entry in std::fs::read_dir(dir).map_err(|e| StepError(format!("listing {}: {e}", dir.display())))? {
        let path = entry.map_err(|e| StepError(format!("listing {}: {e}", dir.display())))?.path();
        let meta = std::fs::symlink_metadata(&path).map_err(|e| StepError(format!("{}: {e}", path.display())))?;
        let name = format!("/{}", path.strip_prefix(base).unwrap_or(&path).display());
        let mode = format!("{:04o}", meta.permissions().mode() & 0o7777);
        if meta.is_symlink() {
            let target = std::fs::read_link(&path).map_err(|e| StepError(format!("{}: {e}", path.display())))?;
            files.push(json!({ "path": name, "link": target.display().to_string() }));
        } else if meta.is_dir() {
            files.push(json!({ "path": name, "mode": mode, "dir": true }));
            collect(base, &path, files)?;
        } else {
            files.push(json!({ "path": name, "mode": mode, "bytes": meta.len(), "sha256": sha256_file(&path)? }));
        }
    }
    Ok(())
}

fn size(path: &Path) -> Result<u64> {
    std::fs::metadata(path).map(|m| m.len()).map_err(|e| StepError(format!("{}: {e}", path.display())))
}
