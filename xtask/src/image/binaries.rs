//! The image's own programs: our binaries, built reproducibly. The Debian programs and
//! the shared libraries come from the board's pinned packages (see `userland`).

use crate::shell::{Result, StepError, cargo, exec, root, say};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Our binaries: (cargo package, binary, where it goes in the image).
const OURS: &[(&str, &str, &str)] = &[
    ("postern-init", "postern-init", "/init"),
    ("posternd", "posternd", "/usr/bin/posternd"),
    ("postern-cli-transport", "postern", "/usr/bin/postern"),
    ("postern-install-helper", "postern-install-helper", "/usr/libexec/postern-install-helper"),
];

/// Files to place in the image: destination → source on the build machine.
pub(crate) type Placed = BTreeMap<String, PathBuf>;

/// Builds our binaries with the `image` profile in `target_dir`, paths remapped so that
/// the result does not depend on where the sources, cargo's home or the toolchain are.
pub(crate) fn build(target_dir: &Path, epoch: u64) -> Result<Placed> {
    say("building the image's binaries (release, stripped, paths remapped)");
    let sysroot = output(Command::new("rustc").args(["--print", "sysroot"]))?;
    let cargo_home = std::env::var("CARGO_HOME")
        .ok()
        .or_else(|| std::env::var("HOME").ok().map(|h| format!("{h}/.cargo")))
        .unwrap_or_default();
    let rustflags = format!(
        "--remap-path-prefix={}=/postern --remap-path-prefix={cargo_home}=/cargo --remap-path-prefix={sysroot}=/rust",
        root().display()
    );
    let mut cmd = cargo();
    cmd.args(["build", "--locked", "--profile", "image"]).arg("--target-dir").arg(target_dir);
    for (package, bin, _) in OURS {
        cmd.args(["--package", package, "--bin", bin]);
    }
    cmd.env("RUSTFLAGS", rustflags).env("CARGO_INCREMENTAL", "0").env("SOURCE_DATE_EPOCH", epoch.to_string());
    exec(&mut cmd)?;
    let mut placed = Placed::new();
    for (_, bin, dest) in OURS {
        placed.insert((*dest).to_owned(), target_dir.join("image").join(bin));
    }
    Ok(placed)
}

/// A command's standard output, trimmed; an error if it fails.
pub(crate) fn output(cmd: &mut Command) -> Result<String> {
    let shown = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| StepError(format!("could not start {shown}: {e}")))?;
    if !out.status.success() {
        return Err(StepError(format!("{shown} failed: {}", String::from_utf8_lossy(&out.stderr).trim())));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}
