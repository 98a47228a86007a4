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
const LIBRARY_DIRS: &[&str] =
    &["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

/// One pinned package, unpacked.
pub(crate) struct Unpacked<'a> {
    /// The pin.
    pub(crate) pin: &'a UserlandPackage,
    /// The directory it is unpacked in.
    pub(crate) tree: PathBuf,
}

/// Unpacks every pinned package of `pins` (from the cache, else downloaded and checked).
pub(crate) fn unpack<'a>(pins: &'a [UserlandPackage], debs: &Debs) -> Result<Vec<Unpacked<'a>>> {
    pins.iter()
        .map(|pin| Ok(Unpacked { pin, tree: debs.unpacked(&pin.package, &pin.version, &pin.deb_sha256)? }))
        .collect()
}

/// Adds to `placed` the programs the packages list and the libraries and loader every
/// placed ELF program needs; returns the package each added file came from. A library no
/// package ships, a package nothing is taken from, or a libc older than the programs need
/// is an error that says what to pin.
pub(crate) fn add(
    placed: &mut Placed,
    packages: &[Unpacked<'_>],
    board_file: &Path,
) -> Result<BTreeMap<String, String>> {
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
            let source = tree::resolve(&p.tree, file).ok_or_else(|| {
                StepError(format!(
                    "{} {} (pinned in {}) has no file {file}",
                    p.pin.package,
                    p.pin.version,
                    board_file.display()
                ))
            })?;
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
        let bytes = std::fs::read(&placed[&dest])
            .map_err(|e| StepError(format!("reading {}: {e}", placed[&dest].display())))?;
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
            if loader_name.as_deref() == Some(name.as_str())
                || placed.keys().any(|d| d.ends_with(&format!("/{name}")) && is_loader(d))
            {
                continue;
            }
            let (package, lib_dest, source) =
                find_library(packages, name).ok_or_else(|| missing(&dest, name, board_file))?;
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

fn place(
    placed: &mut Placed,
    origin: &mut BTreeMap<String, String>,
    todo: &mut Vec<String>,
    dest: &str,
    source: PathBuf,
    package: &str,
) {
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
        Some(package) => {
            format!("pin the Debian package that ships it ({package} on this machine) as a [[userland]] entry")
        }
        None => {
            format!("pin the Debian package that ships it (`apt-file search {file}` names it) as a [[userland]] entry")
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(package: &str) -> UserlandPackage {
        UserlandPackage { package: package.into(), version: "1".into(), deb_sha256: "0".repeat(64), files: Vec::new() }
    }

    /// A package tree holding copies of this machine's `files` (fixtures for the search).
    fn tree_with(dir: &Path, files: &[&str]) -> PathBuf {
        for file in files {
            let to = dir.join(file.trim_start_matches('/'));
            std::fs::create_dir_all(to.parent().expect("parent")).expect("dirs");
            std::fs::copy(file, &to).expect("copy a library of this machine");
        }
        dir.to_owned()
    }

    #[test]
    fn libraries_come_from_the_packages_and_a_missing_one_names_what_to_pin() {
        let exe = std::env::current_exe().expect("exe");
        let needed = elf::read(&std::fs::read(&exe).expect("read")).expect("elf").needed;
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut libc_files = vec!["/lib64/ld-linux-x86-64.so.2"];
        let libs: Vec<String> =
            needed.iter().filter(|n| *n != "libgcc_s.so.1").map(|n| format!("/lib/x86_64-linux-gnu/{n}")).collect();
        libc_files.extend(libs.iter().map(String::as_str));
        let (libc, libgcc, spare) = (pin("libc6"), pin("libgcc-s1"), pin("zlib1g"));
        let libc_tree = tree_with(&tmp.path().join("libc6"), &libc_files);
        let board = Path::new("board/test.toml");
        let program = || Placed::from([("/usr/bin/program".to_owned(), exe.clone())]);

        if needed.iter().any(|n| n == "libgcc_s.so.1") {
            let only_libc = [Unpacked { pin: &libc, tree: libc_tree.clone() }];
            let e = add(&mut program(), &only_libc, board).expect_err("libgcc_s is in no package");
            assert!(e.0.contains("/usr/bin/program needs libgcc_s.so.1") && e.0.contains("board/test.toml"), "{e}");
            assert!(e.0.contains("[[userland]]"), "{e}");
        }
        let libgcc_tree = tree_with(&tmp.path().join("libgcc"), &["/lib/x86_64-linux-gnu/libgcc_s.so.1"]);
        let both =
            [Unpacked { pin: &libc, tree: libc_tree.clone() }, Unpacked { pin: &libgcc, tree: libgcc_tree.clone() }];
        let mut placed = program();
        let origin = add(&mut placed, &both, board).expect("everything is pinned");
        assert_eq!(origin.get("/lib64/ld-linux-x86-64.so.2").map(String::as_str), Some("libc6"));
        assert_eq!(origin.get("/lib/x86_64-linux-gnu/libc.so.6").map(String::as_str), Some("libc6"));
        assert!(
            placed.values().all(|source| source == &exe || source.starts_with(tmp.path())),
            "nothing from the build machine"
        );

        let spare_tree = tree_with(&tmp.path().join("spare"), &[]);
        let three = [
            Unpacked { pin: &libc, tree: libc_tree },
            Unpacked { pin: &libgcc, tree: libgcc_tree },
            Unpacked { pin: &spare, tree: spare_tree },
        ];
        let e = add(&mut program(), &three, board).expect_err("zlib1g gives nothing");
        assert!(e.0.contains("pins zlib1g in [[userland]], but the image takes no file from it"), "{e}");
    }

    #[test]
    fn a_listed_program_the_package_lacks_is_an_error() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let mut e2fsprogs = pin("e2fsprogs");
        e2fsprogs.files = vec!["/sbin/mke2fs".into()];
        let packages = [Unpacked { pin: &e2fsprogs, tree: tmp.path().to_owned() }];
        let e = add(&mut Placed::new(), &packages, Path::new("b.toml")).expect_err("no mke2fs");
        assert!(e.0.contains("e2fsprogs 1 (pinned in b.toml) has no file /sbin/mke2fs"), "{e}");
    }
}
