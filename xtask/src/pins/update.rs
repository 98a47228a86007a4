//! `cargo xtask pins update`: moves a board's kernel (package name, version, sha256),
//! systemd-boot (version, sha256) and userland packages (version, sha256) to the newest the
//! archive serves, each downloaded and hashed; the kernel keeps its series and flavour and
//! must hold the board's modules, the userland must still give every program and library.

use super::board_text::{self, Change, Section};
use super::decide::{Decision, decide};
use crate::debian::archive::{self, KernelName};
use crate::image::{Debs, LOADER_EFI, check_userland_pins, kernel_from_unpacked};
use crate::packages;
use crate::shell::{Result, StepError, root, say};
use postern_board::{Board, UserlandPackage};
use std::path::{Path, PathBuf};

/// Options of `cargo xtask pins update`.
#[derive(clap::Args)]
pub(crate) struct UpdateArgs {
    /// The board whose pins move (a file `board/<name>.toml`).
    #[arg(long)]
    board: String,
    /// Download, check and print what would move, without writing the board file.
    #[arg(long)]
    dry_run: bool,
}

/// `cargo xtask pins update`.
pub(crate) fn run(args: &UpdateArgs) -> Result {
    let board_file = root().join("board").join(format!("{}.toml", args.board));
    let text = std::fs::read_to_string(&board_file)
        .map_err(|e| StepError(format!("reading {}: {e}", board_file.display())))?;
    let board = Board::parse(&text).map_err(|e| StepError(format!("{}: {e}", board_file.display())))?;
    packages::ensure(&[("dpkg-deb", "dpkg")])?;
    say("refreshing apt's package lists");
    packages::apt_update()?;
    let debs = Debs::new(&board_file, &root().join("target/image-cache"))?;
    let mut changes = kernel_changes(&board, &debs)?;
    changes.extend(loader_changes(&board, &debs)?);
    changes.extend(userland_changes(&board, &debs, &board_file)?);
    if changes.is_empty() {
        say(&format!("{}: every pin is what the archive serves now", board_file.display()));
        return Ok(());
    }
    for c in &changes {
        println!("{}.{}: {} -> {}", c.section, c.key, c.old, c.new);
    }
    let moved = board_text::apply(&text, &changes).map_err(|e| StepError(format!("{}: {e}", board_file.display())))?;
    Board::parse(&moved).map_err(|e| StepError(format!("the moved pins do not make a valid board file: {e}")))?;
    if args.dry_run {
        say(&format!("dry run: {} not written", board_file.display()));
        return Ok(());
    }
    write(&board_file, &moved)?;
    say(&format!("wrote {}; the next image has the new packages", board_file.display()));
    Ok(())
}

/// The kernel's changes: the newest package of its series and flavour, at its newest
/// version, downloaded, hashed and checked to hold every module the board lists.
fn kernel_changes(board: &Board, debs: &Debs) -> Result<Vec<Change>> {
    let k = &board.kernel;
    let pinned = KernelName::parse(&k.package)
        .ok_or_else(|| StepError(format!("kernel.package {} is not linux-image-SERIES-ABI-FLAVOUR", k.package)))?;
    let newest = archive::newest_kernel_offered(&pinned)?
        .ok_or_else(|| StepError(format!("apt's lists offer no package matching {}", pinned.search_pattern())))?;
    let package = newest.package();
    let version = archive::newest_version(&package)?
        .ok_or_else(|| StepError(format!("apt-cache madison lists no version of {package}")))?;
    match decide((pinned.abi, &k.version), (newest.abi, &version)) {
        Decision::Keep => {
            say(&format!("kernel kept: {package} {version} is the newest of its series the archive serves"));
            return Ok(Vec::new());
        }
        Decision::Older => {
            say(&format!(
                "kernel kept: the archive's newest is {package} {version}, older than the pinned {} {} (are apt's lists stale?)",
                k.package, k.version
            ));
            return Ok(Vec::new());
        }
        Decision::Move => {}
    }
    let (deb, sha256) = obtain(debs, &package, &version)?;
    let unpacked = debs.unpack(&deb, &package, &sha256)?;
    kernel_from_unpacked(&package, &version, &k.modules, &unpacked)
        .map_err(|e| StepError(format!("not moving the kernel to {package} {version}: {e}")))?;
    say(&format!("{package} {version} holds every module the board lists"));
    Ok(changed(
        &Section::Table("kernel"),
        [("package", &k.package, package), ("version", &k.version, version), ("deb_sha256", &k.deb_sha256, sha256)],
    ))
}

/// systemd-boot's changes: its newest version, downloaded, hashed and checked to hold
/// the EFI loader.
fn loader_changes(board: &Board, debs: &Debs) -> Result<Vec<Change>> {
    let b = &board.boot;
    let version = archive::newest_version(&b.loader_package)?
        .ok_or_else(|| StepError(format!("apt-cache madison lists no version of {}", b.loader_package)))?;
    match decide((0, &b.loader_version), (0, &version)) {
        Decision::Keep => {
            say(&format!("{} kept: {version} is the newest the archive serves", b.loader_package));
            return Ok(Vec::new());
        }
        Decision::Older => {
            say(&format!(
                "{} kept: the archive's newest is {version}, older than the pinned {}",
                b.loader_package, b.loader_version
            ));
            return Ok(Vec::new());
        }
        Decision::Move => {}
    }
    let (deb, sha256) = obtain(debs, &b.loader_package, &version)?;
    let loader = debs.unpack(&deb, &b.loader_package, &sha256)?.join(LOADER_EFI);
    if !loader.is_file() {
        return Err(StepError(format!("not moving {} to {version}: it has no {}", b.loader_package, loader.display())));
    }
    Ok(changed(
        &Section::Table("boot"),
        [("loader_version", &b.loader_version, version), ("loader_deb_sha256", &b.loader_deb_sha256, sha256)],
    ))
}

/// The userland's changes: each package at its newest version, downloaded and hashed;
/// the moved set must still give every listed program and the libraries they need.
fn userland_changes(board: &Board, debs: &Debs, board_file: &Path) -> Result<Vec<Change>> {
    let (mut changes, mut moved) = (Vec::new(), Vec::new());
    for pin in &board.userland {
        let version = archive::newest_version(&pin.package)?
            .ok_or_else(|| StepError(format!("apt-cache madison lists no version of {}", pin.package)))?;
        match decide((0, &pin.version), (0, &version)) {
            Decision::Keep => say(&format!("{} kept: {version} is the newest the archive serves", pin.package)),
            Decision::Older => say(&format!(
                "{} kept: the archive's newest is {version}, older than the pinned {}",
                pin.package, pin.version
            )),
            Decision::Move => {
                let (_, sha256) = obtain(debs, &pin.package, &version)?;
                let section = Section::Userland(pin.package.clone());
                changes.extend(changed(
                    &section,
                    [("version", &pin.version, version.clone()), ("deb_sha256", &pin.deb_sha256, sha256.clone())],
                ));
                moved.push(UserlandPackage { version, deb_sha256: sha256, ..pin.clone() });
                continue;
            }
        }
        moved.push(pin.clone());
    }
    if !changes.is_empty() {
        check_userland_pins(&moved, debs, board_file)
            .map_err(|e| StepError(format!("not moving the userland pins: {}", e.0)))?;
    }
    Ok(changes)
}

/// The changes of `section` whose new value differs from the old one.
fn changed<const N: usize>(section: &Section, values: [(&'static str, &String, String); N]) -> Vec<Change> {
    values
        .into_iter()
        .filter(|(_, old, new)| *old != new)
        .map(|(key, old, new)| Change { section: section.clone(), key, old: old.clone(), new })
        .collect()
}

/// `package` at `version`: the cached file with the sha256 apt's lists give, else a download
/// (whose hash is then computed from the file, not taken from the lists).
fn obtain(debs: &Debs, package: &str, version: &str) -> Result<(PathBuf, String)> {
    if let Some(sha256) = archive::listed_sha256(package, version)?
        && let Some(deb) = debs.cache().lookup(&sha256)?
    {
        say(&format!("{package} {version} is in the cache ({})", deb.display()));
        return Ok((deb, sha256));
    }
    debs.cache().download(package, version)
}

/// Replaces `path` with `text` atomically (a sibling file renamed over it).
fn write(path: &Path, text: &str) -> Result {
    let partial = path.with_extension("toml.partial");
    std::fs::write(&partial, text).map_err(|e| StepError(format!("writing {}: {e}", partial.display())))?;
    std::fs::rename(&partial, path).map_err(|e| StepError(format!("replacing {}: {e}", path.display())))
}
