//! The image's userland from the board's pinned Debian packages: the programs listed in
//! `[[userland]]`, then every shared library and the loader that any placed program needs,
//! found by name in the unpacked packages only (never on the build machine).

use super::binaries::{Placed, output};
use super::debs::Debs;
use super::elf;
use super::tree;
use crate::shell::{Result, StepError};
use postern_board::UserlandPackage;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the loader looks for libraries, in its order (Debian's multiarch layout first).
const LIBRARY_DIRS: &[&str] = &["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

/// One pinned package, unpacked.
pub(crate) struct Unpacked<'a> {
    /// The pin.
    pub(crate) pin: &'a UserlandPackage,
    /// The directory it is unpacked in.
    pub(crate) tree: PathBuf,
}

/// Unpacks every pinned package of `pins` (from the cache, else downloaded and checked).
pub(crate) fn unpack<'a>(pins: &'a [UserlandPackage], debs: &Debs) -> Result<Vec<Unpacked<'a>>> {
    pins.iter().map(|pin| Ok(Unpacked { pin, tree: debs.unpacked(&pin.package, &pin.version, &pin.deb_sha256)? })).collect()
}

/// Adds to `placed` the programs the packages list and the libraries and loader every
/// placed ELF program needs; returns the package each added file came from. A library no
/// package ships, a package nothing is taken from, or a libc older than the programs need
/// is an error that says what to pin.
pub(crate) fn add(placed: &mut Placed, packages: &[Unpacked<'_>], board_file: &Path) -> Result<BTreeMap<String, String>> {
    let origin = close(placed, packages, board_file)?;
    for p in packages {
        if !origin.values().any(|o| *o == p.pin.package) {
            return Err(StepError(format!(
                "{} pins {} in [[userland]], but the image takes no file from it: remove the pin (or list the program it should give in `files`)",
                board_file.display(),
                p.pin.package
            )));
        }
    }
    Ok(origin)
}

/// Checks that `pins` give every listed program and each library those programs need
/// (our binaries aside): what `cargo xtask pins update` asks of moved pins.
pub(crate) fn check_pins(pins: &[UserlandPackage], debs: &Debs, board_file: &Path) -> Result {
    close(&mut Placed::new(), &unpack(pins, debs)?, board_file).map(drop)
}

/// Adds the listed programs and, transitively, what every placed ELF file needs.
fn close(placed: &mut Placed, packages: &[Unpacked<'_>], board_file: &Path) -> Result<BTreeMap<String, String>> {
    let mut origin = BTreeMap::new();
    for p in packages {
        for file in &p.pin.files {
            let source = tree::resolve(&p.tree, file)
                .ok_or_else(|| StepError(format!("{} {} (pinned in {}) has no file {file}", p.pin.package, p.pin.version, board_file.display())))?;
            placed.insert(file.clone(), source);
            origin.insert(file.clone(), p.pin.package.clone());
        }
    }
    let mut todo: Vec<String> = placed.keys().cloned().collect();
    let mut done = BTreeSet::new();
    let mut needs_glibc = Vec::new();
    while let Some(dest) = todo.pop() {
        if !done.insert(dest.clone()) {
            continue;
        }
        let bytes = std::fs::read(&placed[&dest]).map_err(|e| StepError(format!("reading {}: {e}", placed[&dest].display())))?;
        if !elf::is_elf(&bytes) {
            continue;
        }
        let linking = elf::read(&bytes).map_err(|e| StepError(format!("{dest}: {e}")))?;
        let loader_name = linking.interp.as_deref().and_then(|i| i.rsplit('/').next()).map(str::to_owned);
        if let Some(interp) = &linking.interp {
            let (package, source) = find_path(packages, interp).ok_or_else(|| missing(&dest, interp, board_file))?;
            place(placed, &mut origin, &mut todo, interp, source, package);
        }
        for name in &linking.needed {
            // The loader satisfies a need for itself (libc.so.6 needs ld-linux-x86-64.so.2).
            if loader_name.as_deref() == Some(name.as_str()) || placed.keys().any(|d| d.ends_with(&format!("/{name}")) && is_loader(d)) {
                continue;
            }
            let (package, lib_dest, source) = find_library(packages, name).ok_or_else(|| missing(&dest, name, board_file))?;
            place(placed, &mut origin, &mut todo, &lib_dest, source, package);
        }
        if linking.needed.iter().any(|n| n == "libc.so.6") {
            needs_glibc.push((dest, linking.glibc_versions));
        }
    }
    check_glibc(placed, &origin, &needs_glibc)?;
    Ok(origin)
}

fn is_loader(dest: &str) -> bool {
    dest.rsplit('/').next().is_some_and(|n| n.starts_with("ld-linux"))
}

fn place(placed: &mut Placed, origin: &mut BTreeMap<String, String>, todo: &mut Vec<String>, dest: &str, source: PathBuf, package: &str) {
    if !placed.contains_key(dest) {
        placed.insert(dest.to_owned(), source);
        origin.insert(dest.to_owned(), package.to_owned());
        todo.push(dest.to_owned());
    }
}

/// The package shipping `path` (following links inside it), and the file.
fn find_path<'a>(packages: &'a [Unpacked<'_>], path: &str) -> Option<(&'a str, PathBuf)> {
    packages.iter().find_map(|p| tree::resolve(&p.tree, path).map(|source| (p.pin.package.as_str(), source)))
}

/// The first library directory (in the loader's order) where a package ships `name`:
/// (package, path in the image, file).
fn find_library<'a>(packages: &'a [Unpacked<'_>], name: &str) -> Option<(&'a str, String, PathBuf)> {
    LIBRARY_DIRS.iter().find_map(|dir| {
        let dest = format!("{dir}/{name}");
        find_path(packages, &dest).map(|(package, source)| (package, dest, source))
    })
}

/// The error for a library or loader no pinned package ships, naming the Debian package
/// of this machine that has it, when there is one.
fn missing(program: &str, name: &str, board_file: &Path) -> StepError {
    let file = name.rsplit('/').next().unwrap_or(name);
    let hint = output(Command::new("dpkg").args(["-S", &format!("*/{file}")]))
        .ok()
        .and_then(|o| o.lines().next().and_then(|l| l.split(':').next()).map(str::to_owned));
    let pin = match hint {
        Some(package) => format!("pin the Debian package that ships it ({package} on this machine) as a [[userland]] entry"),
        None => format!("pin the Debian package that ships it (`apt-file search {file}` names it) as a [[userland]] entry"),
    };
    StepError(format!(
        "{program} needs {name}, which no package pinned in {} ships (looked in {}): {pin}",
        board_file.display(),
        LIBRARY_DIRS.join(", ")
    ))
}

/// Every glibc symbol version the programs name must be one the placed libc defines: our
/// binaries are linked against the build machine's glibc, which may be newer than the pin.
fn check_glibc(placed: &Placed, origin: &BTreeMap<String, String>, needs: &[(String, Vec<String>)]) -> Result {
    let Some((libc_dest, libc)) = placed.iter().find(|(d, _)| d.ends_with("/libc.so.6")) else { return Ok(()) };
    let bytes = std::fs::read(libc).map_err(|e| StepError(format!("reading {}: {e}", libc.display())))?;
    let defined = elf::read(&bytes).map_err(|e| StepError(format!("{libc_dest}: {e}")))?.glibc_versions;
    for (program, versions) in needs {
        let lacking: Vec<&str> = versions.iter().filter(|v| !defined.contains(v)).map(String::as_str).collect();
        if !lacking.is_empty() {
            let package = origin.get(libc_dest).map_or("libc6", String::as_str);
            return Err(StepError(format!(
                "{program} needs glibc {}, which the pinned {package} does not have: it was linked against a newer glibc than the pin \
                 (this machine's libc6: `dpkg-query -W libc6`); build on Debian 12 or pin a libc6 at least as new",
                lacking.join(", ")
            )));
        }
    }
    Ok(())
}
