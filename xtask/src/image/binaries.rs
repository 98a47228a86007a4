//! The image's programs: our binaries built reproducibly, the host programs the image
//! carries, and exactly the shared libraries they load.

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

/// Debian programs the image carries: (host path, where it goes in the image).
const HOST_PROGRAMS: &[(&str, &str)] = &[("/sbin/mke2fs", "/sbin/mke2fs")];

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
    for (host, dest) in HOST_PROGRAMS {
        placed.insert((*dest).to_owned(), PathBuf::from(host));
    }
    Ok(placed)
}

/// Adds the shared libraries (and the loader) every placed ELF program needs, as `ldd`
/// resolves them on this machine, at the same paths.
pub(crate) fn add_libraries(placed: &mut Placed) -> Result {
    let programs: Vec<PathBuf> = placed.values().cloned().collect();
    for program in programs {
        let text = output(Command::new("ldd").arg(&program))?;
        for lib in parse_ldd(&text) {
            let source = std::fs::canonicalize(&lib).map_err(|e| StepError(format!("resolving {lib}: {e}")))?;
            placed.insert(lib, source);
        }
    }
    Ok(())
}

/// The absolute library paths in `ldd` output (`libc.so.6 => /lib/…/libc.so.6 (0x…)` and
/// the loader's `/lib64/ld-linux-x86-64.so.2 (0x…)`).
fn parse_ldd(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| {
            let line = line.trim();
            let path = match line.split_once("=>") {
                Some((_, right)) => right.trim(),
                None => line,
            };
            let path = path.split_whitespace().next()?;
            path.starts_with('/').then(|| path.to_owned())
        })
        .collect()
}

/// The Debian package and version of each host file, for the manifest.
pub(crate) fn host_packages(placed: &Placed) -> BTreeMap<String, String> {
    let mut packages = BTreeMap::new();
    for (dest, source) in placed {
        if source.starts_with(root()) {
            continue;
        }
        let owner = output(Command::new("dpkg").arg("-S").arg(dest))
            .ok()
            .and_then(|o| o.split(':').next().map(str::to_owned))
            .unwrap_or_else(|| "unknown".into());
        let version = output(Command::new("dpkg-query").args(["-W", "-f=${Version}", &owner])).unwrap_or_else(|_| "unknown".into());
        packages.insert(owner, version);
    }
    packages
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ldd_output_gives_libraries_and_the_loader() {
        let text = "\tlinux-vdso.so.1 (0x00007ffd)\n\tlibgcc_s.so.1 => /lib/x86_64-linux-gnu/libgcc_s.so.1 (0x00007f4a)\n\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f4a)\n\t/lib64/ld-linux-x86-64.so.2 (0x00007f4a)\n";
        assert_eq!(
            parse_ldd(text),
            ["/lib/x86_64-linux-gnu/libgcc_s.so.1", "/lib/x86_64-linux-gnu/libc.so.6", "/lib64/ld-linux-x86-64.so.2"]
        );
    }
}
