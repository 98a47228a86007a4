//! The board's kernel: Debian's package (pinned, see [`Debs`]), unpacked; its image and
//! the modules the board lists.

use super::debs::Debs;
use crate::shell::{Result, StepError};
use postern_board::Board;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The unpacked kernel.
pub(crate) struct Kernel {
    /// The bootable kernel image (bzImage).
    pub(crate) image: PathBuf,
    /// The kernel release, e.g. `6.1.0-48-amd64`.
    pub(crate) release: String,
    /// The board's modules in load order: (name, file).
    pub(crate) modules: Vec<(String, PathBuf)>,
    /// The board's drivers and their dependencies (those not among `modules`): loaded by
    /// init when a device asks for them.
    pub(crate) drivers: Drivers,
}

/// The drivers an image carries for the hardware it may meet.
#[derive(Default)]
pub(crate) struct Drivers {
    /// Every module file to place: (name, file), sorted by name.
    pub(crate) files: Vec<(String, PathBuf)>,
    /// `drivers.alias`: `alias PATTERN MODULE` lines, sorted.
    pub(crate) aliases: String,
    /// `drivers.dep`: `MODULE: DEP DEP` lines (dependencies in load order), sorted.
    pub(crate) deps: String,
}

/// The board's kernel package from `debs` (the pinned one), unpacked, with its modules.
pub(crate) fn fetch(board: &Board, debs: &Debs) -> Result<Kernel> {
    let k = &board.kernel;
    let unpacked = debs.unpacked(&k.package, &k.version, &k.deb_sha256)?;
    let mut kernel = from_unpacked(&k.package, &k.version, &k.modules, &unpacked)?;
    let available = index_modules(&unpacked.join("lib/modules").join(&kernel.release).join("kernel"))?;
    kernel.drivers = drivers(&k.drivers, &kernel.modules, &available)
        .map_err(|e| StepError(format!("{} {}: {e}", k.package, k.version)))?;
    Ok(kernel)
}

/// The drivers' files (with every dependency not already among `base`), their aliases and
/// their dependency order.
fn drivers(wanted: &[String], base: &[(String, PathBuf)], available: &BTreeMap<String, PathBuf>) -> Result<Drivers> {
    if wanted.is_empty() {
        return Ok(Drivers::default());
    }
    let mut files: BTreeMap<String, PathBuf> = BTreeMap::new();
    let mut aliases = Vec::new();
    let mut deps = Vec::new();
    for name in wanted {
        let key = name.replace('-', "_");
        let mut order = Vec::new();
        closure(&key, available, &mut order, 0)?;
        for module in &order {
            if base.iter().any(|(n, _)| n == module) {
                continue;
            }
            let path = &available[module];
            if files.insert(module.clone(), path.clone()).is_none() {
                let bytes = std::fs::read(path).map_err(|e| StepError(format!("reading {}: {e}", path.display())))?;
                aliases.extend(modinfo(&bytes, "alias").into_iter().map(|a| format!("alias {a} {module}")));
            }
        }
        let before: Vec<&str> = order.iter().filter(|m| **m != key).map(String::as_str).collect();
        deps.push(format!("{key}: {}", before.join(" ")));
    }
    aliases.sort();
    aliases.dedup();
    deps.sort();
    let lines = |v: Vec<String>| v.into_iter().map(|l| l + "\n").collect::<String>();
    Ok(Drivers { files: files.into_iter().collect(), aliases: lines(aliases), deps: lines(deps) })
}

/// `name` after all it depends on, depth first; refuses a missing module or a cycle.
fn closure(name: &str, available: &BTreeMap<String, PathBuf>, order: &mut Vec<String>, depth: usize) -> Result {
    if order.iter().any(|m| m == name) {
        return Ok(());
    }
    if depth > 16 {
        return Err(StepError(format!("kernel module {name}: dependencies nest too deep (a cycle?)")));
    }
    let path =
        available.get(name).ok_or_else(|| StepError(format!("kernel module {name} is not in the kernel package")))?;
    let bytes = std::fs::read(path).map_err(|e| StepError(format!("reading {}: {e}", path.display())))?;
    for dep in depends(&bytes) {
        closure(&dep, available, order, depth + 1)?;
    }
    order.push(name.to_owned());
    Ok(())
}

/// The kernel image and the `modules` (in load order) of the unpacked kernel package
/// `package`; an error names a module the package lacks or lists out of order.
pub(crate) fn from_unpacked(package: &str, version: &str, modules: &[String], unpacked: &Path) -> Result<Kernel> {
    let release = package.strip_prefix("linux-image-").unwrap_or(package).to_owned();
    let image = unpacked.join("boot").join(format!("vmlinuz-{release}"));
    if !image.is_file() {
        return Err(StepError(format!("{package} {version} has no boot/vmlinuz-{release}")));
    }
    let available = index_modules(&unpacked.join("lib/modules").join(&release).join("kernel"))?;
    let modules = pick_modules(modules, &available).map_err(|e| StepError(format!("{package} {version}: {e}")))?;
    Ok(Kernel { image, release, modules, drivers: Drivers::default() })
}

/// Every `.ko` under `dir`, by module name (`-` and `_` are the same to the kernel).
fn index_modules(dir: &Path) -> Result<BTreeMap<String, PathBuf>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).map_err(|e| StepError(format!("listing {}: {e}", dir.display())))?;
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".ko")) {
                found.insert(name.replace('-', "_"), path);
            }
        }
    }
    Ok(found)
}

/// The listed modules' files, checking that each one's dependencies are listed before it.
fn pick_modules(wanted: &[String], available: &BTreeMap<String, PathBuf>) -> Result<Vec<(String, PathBuf)>> {
    let mut picked: Vec<(String, PathBuf)> = Vec::new();
    for name in wanted {
        let key = name.replace('-', "_");
        let path = available
            .get(&key)
            .ok_or_else(|| StepError(format!("kernel module {name} is not in the kernel package")))?;
        let bytes = std::fs::read(path).map_err(|e| StepError(format!("reading {}: {e}", path.display())))?;
        for dep in depends(&bytes) {
            if !picked.iter().any(|(n, _)| *n == dep) {
                return Err(StepError(format!(
                    "kernel module {name} needs {dep}: list {dep} before it in the board file"
                )));
            }
        }
        picked.push((key, path.clone()));
    }
    Ok(picked)
}

/// The `depends=` list of a module's `.modinfo`.
fn depends(module: &[u8]) -> Vec<String> {
    modinfo(module, "depends")
        .first()
        .map(|list| list.split(',').filter(|d| !d.is_empty()).map(|d| d.replace('-', "_")).collect())
        .unwrap_or_default()
}

/// Every value of `key` in a module's `.modinfo` (`\0key=value\0` entries).
fn modinfo(module: &[u8], key: &str) -> Vec<String> {
    let needle = [b"\0", key.as_bytes(), b"="].concat();
    let mut values = Vec::new();
    let mut from = 0;
    while let Some(at) = module[from..].windows(needle.len()).position(|w| w == needle.as_slice()) {
        let start = from + at + needle.len();
        let end = module[start..].iter().position(|&b| b == 0).map_or(module.len(), |e| start + e);
        values.push(String::from_utf8_lossy(&module[start..end]).into_owned());
        from = end;
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depends_are_read_from_modinfo() {
        let module = b"\x7fELF....\0license=GPL\0depends=jbd2,mbcache,crc16\0retpoline=Y\0";
        assert_eq!(depends(module), ["jbd2", "mbcache", "crc16"]);
        assert!(depends(b"\0depends=\0name=x\0").is_empty());
        assert!(depends(b"no modinfo").is_empty());
    }

    #[test]
    fn drivers_bring_their_dependencies_aliases_and_load_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            dir.path().join("ahci.ko"),
            b"\0alias=pci:v*d*sv*sd*bc01sc06i01*\0depends=libahci,libata\0alias=pci:v00008086d00002922sv*sd*bc*sc*i*\0",
        )
        .expect("ahci");
        std::fs::write(dir.path().join("libahci.ko"), b"\0depends=libata\0").expect("libahci");
        std::fs::write(dir.path().join("libata.ko"), b"\0depends=\0").expect("libata");
        std::fs::write(dir.path().join("e1000e.ko"), b"\0alias=pci:v00008086d000010D3sv*sd*bc*sc*i*\0depends=\0")
            .expect("e1000e");
        let available = index_modules(dir.path()).expect("index");
        let base = vec![("libata".to_owned(), dir.path().join("libata.ko"))];
        let set = drivers(&["ahci".into(), "e1000e".into()], &base, &available).expect("drivers");
        let names: Vec<&str> = set.files.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["ahci", "e1000e", "libahci"], "libata is a base module already");
        assert_eq!(set.deps, "ahci: libata libahci\ne1000e: \n");
        assert_eq!(
            set.aliases,
            "alias pci:v*d*sv*sd*bc01sc06i01* ahci\nalias pci:v00008086d000010D3sv*sd*bc*sc*i* e1000e\nalias pci:v00008086d00002922sv*sd*bc*sc*i* ahci\n"
        );
        assert!(
            drivers(&["nope".into()], &base, &available)
                .err()
                .is_some_and(|e| e.0.contains("nope is not in the kernel package"))
        );
    }

    #[test]
    fn a_module_listed_before_its_dependency_is_refused() {
        let dir = std::env::temp_dir().join(format!("xtask-modules-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        std::fs::write(dir.join("a.ko"), b"\0depends=b\0").expect("a");
        std::fs::write(dir.join("b.ko"), b"\0depends=\0").expect("b");
        let available = index_modules(&dir).expect("index");
        let wrong = pick_modules(&["a".into(), "b".into()], &available);
        let right = pick_modules(&["b".into(), "a".into()], &available);
        let _ = std::fs::remove_dir_all(&dir);
        assert!(wrong.err().is_some_and(|e| e.0.contains("needs b")));
        assert_eq!(right.expect("ordered").len(), 2);
    }

    #[test]
    fn a_kernel_package_without_a_listed_module_is_refused() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let release = "6.1.0-57-amd64";
        std::fs::create_dir_all(tmp.path().join("boot")).expect("boot");
        std::fs::write(tmp.path().join(format!("boot/vmlinuz-{release}")), b"kernel").expect("vmlinuz");
        let dir = tmp.path().join(format!("lib/modules/{release}/kernel/fs"));
        std::fs::create_dir_all(&dir).expect("modules");
        std::fs::write(dir.join("fat.ko"), b"\0depends=\0").expect("fat");
        let package = format!("linux-image-{release}");
        let ok = from_unpacked(&package, "6.1.192-3", &["fat".into()], tmp.path()).expect("fat is there");
        assert_eq!((ok.release.as_str(), ok.modules.len()), (release, 1));
        let missing = from_unpacked(&package, "6.1.192-3", &["fat".into(), "vfat".into()], tmp.path());
        assert!(
            missing.err().is_some_and(|e| e.0.contains("vfat is not in the kernel package") && e.0.contains(&package))
        );
    }
}
