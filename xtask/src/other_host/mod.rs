//! `cargo xtask image-in-chroot`: the image built on this machine and in a Debian 12
//! system with other packages (made with debootstrap), then both manifests compared. Both
//! builds use the same Rust toolchain (bind-mounted) and the same sources; everything the
//! image takes from Debian is a pinned package, so the images should be the same.

mod chroot;
mod compare;

use crate::image::{ARTEFACTS, ImageArgs, build, output, sha256_file};
use crate::shell::{Result, StepError, root, say};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Options of `cargo xtask image-in-chroot`.
#[derive(clap::Args)]
pub(crate) struct ChrootArgs {
    /// The board to build for.
    #[arg(long, default_value = "qemu-x86_64")]
    board: String,
    /// The Debian 12 system to build in, made with debootstrap when missing.
    #[arg(long, default_value = "target/chroot/bookworm")]
    chroot: PathBuf,
    /// The Debian mirror debootstrap and apt use.
    #[arg(long, default_value = "http://deb.debian.org/debian")]
    mirror: String,
    /// The Debian security mirror.
    #[arg(long, default_value = "http://deb.debian.org/debian-security")]
    security: String,
}

/// Where the chroot's build works and leaves its image (a path inside the chroot).
const INSIDE: &str = "/var/tmp/postern-build";

/// `cargo xtask image-in-chroot`.
pub(crate) fn run(args: &ChrootArgs) -> Result {
    let dir = root().join(&args.chroot);
    let head = || output(Command::new("git").args(["rev-parse", "HEAD"]).current_dir(root()));
    let commit = head()?;
    say("build 1: on this machine");
    let host = build(&ImageArgs::test_image(&args.board, Some(root().join("target/other-host/image")), None))?;
    chroot::make(&dir, &args.mirror, &args.security)?;
    say("build 2: in the Debian 12 system");
    build_inside(&dir, &args.board)?;
    let now = head()?;
    if now != commit {
        return Err(StepError(format!(
            "the commit moved from {commit} to {now} between the two builds: run again without committing meanwhile"
        )));
    }
    let inside = dir.join(INSIDE.trim_start_matches('/')).join("image");
    report(&dir, &host.dir, &inside)
}

/// Builds the test image inside the system at `dir`, with this machine's toolchain and
/// sources bound at the same paths, its own target directories (the workspace's
/// `target/` too) and package cache.
fn build_inside(dir: &Path, board: &str) -> Result {
    let home = PathBuf::from(std::env::var_os("HOME").ok_or_else(|| StepError("HOME is not set".into()))?);
    let cargo_home = std::env::var_os("CARGO_HOME").map_or_else(|| home.join(".cargo"), PathBuf::from);
    let rustup_home = std::env::var_os("RUSTUP_HOME").map_or_else(|| home.join(".rustup"), PathBuf::from);
    let git_common = PathBuf::from(output(
        Command::new("git").args(["rev-parse", "--path-format=absolute", "--git-common-dir"]).current_dir(root()),
    )?);
    let mut binds = vec![root(), cargo_home.clone(), rustup_home.clone()];
    if !git_common.starts_with(root()) {
        binds.push(git_common);
    }
    let mut mounts = chroot::Mounts::bind(dir, &binds)?;
    // The workspace's target/ inside is the system's own: packages are unpacked there anew.
    let own_target = dir.join(INSIDE.trim_start_matches('/')).join("workspace-target");
    mounts.bind_at(dir, &own_target, &root().join("target"))?;
    let path = format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", cargo_home.join("bin").display());
    let script = "apt-get update -q && cd \"$0\" && exec cargo xtask image --test-keys --board \"$1\" --out \"$2/image\" --target-dir \"$2/image-build\"";
    crate::shell::exec(
        Command::new("chroot")
            .arg(dir)
            .args(["/usr/bin/env", "-i", "HOME=/root", "LANG=C.UTF-8", "CARGO_INCREMENTAL=0"])
            .arg(format!("PATH={path}"))
            .arg(format!("CARGO_HOME={}", cargo_home.display()))
            .arg(format!("RUSTUP_HOME={}", rustup_home.display()))
            .arg(format!("CARGO_TARGET_DIR={INSIDE}/target"))
            .arg(format!("POSTERN_DEB_CACHE={INSIDE}/debs"))
            .args(["/bin/sh", "-c", script])
            .arg(root())
            .args([board, INSIDE]),
    )
}

/// Prints what differs between the two machines and the two images; an error when the
/// images differ.
fn report(dir: &Path, host: &Path, inside: &Path) -> Result {
    let (here, there) = (chroot::package_list(Path::new("/"))?, chroot::package_list(dir)?);
    let only_here = here.iter().filter(|p| !there.contains(p)).count();
    let only_there = there.iter().filter(|p| !here.contains(p)).count();
    println!(
        "packages installed: this machine {}, the Debian 12 system {} ({only_here} only here, {only_there} only there, by name and version)",
        here.len(),
        there.len()
    );
    for name in ["e2fsprogs", "libc6", "gcc-12", "binutils"] {
        let version = |list: &[String]| {
            list.iter()
                .find_map(|p| p.strip_prefix(&format!("{name} ")).map(str::to_owned))
                .unwrap_or_else(|| "not installed".into())
        };
        println!("  {name:<10} this machine {:<22} the Debian 12 system {}", version(&here), version(&there));
    }
    let comparison = compare::compare(&read_manifest(host)?, &read_manifest(inside)?);
    for name in ARTEFACTS.iter().chain(&["manifest.json"]) {
        let (a, b) = (sha256_file(&host.join(name))?, sha256_file(&inside.join(name))?);
        println!("{name:<16} {a}  {b}  {}", if a == b { "same" } else { "DIFFERENT" });
    }
    println!("manifest entries: {}, differing: {}", comparison.entries, comparison.files.len());
    for (path, a, b) in comparison.files.iter().chain(&comparison.other) {
        println!("  {path}: {a} (this machine) vs {b} (Debian 12 system)");
    }
    if comparison.same() {
        say("the same image on both machines");
        Ok(())
    } else {
        Err(StepError(format!("the images differ: compare {} with {}", host.display(), inside.display())))
    }
}

fn read_manifest(dir: &Path) -> Result<Value> {
    let path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&path).map_err(|e| StepError(format!("reading {}: {e}", path.display())))?;
    serde_json::from_str(&text).map_err(|e| StepError(format!("{}: {e}", path.display())))
}
