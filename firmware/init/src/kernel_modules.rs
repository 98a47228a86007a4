//! Loading the board's kernel modules, and the drivers the hardware present asks for.

use crate::error::InitError;
use crate::modalias::DriverIndex;
use crate::paths::MODULES_DIR;
use nix::errno::Errno;
use nix::kmod::{ModuleInitFlags, finit_module};
use std::ffi::CString;
use std::path::Path;

/// Loads each module in order from `/lib/modules/<name>.ko`; one already loaded is fine.
pub(crate) fn load(modules: &[String]) -> Result<(), InitError> {
    for name in modules {
        let path = Path::new(MODULES_DIR).join(format!("{name}.ko"));
        let step = || format!("loading kernel module {name}");
        let file = std::fs::File::open(&path).map_err(InitError::io(step()))?;
        match finit_module(&file, &CString::default(), ModuleInitFlags::empty()) {
            Ok(()) | Err(Errno::EEXIST) => {}
            Err(e) => return Err(InitError::sys(step())(e)),
        }
    }
    tracing::info!(count = modules.len(), "kernel modules loaded");
    Ok(())
}

/// The aliases and dependencies of the driver modules an image carries (written by the
/// image build for the board's `drivers`).
const DRIVER_ALIASES: &str = "drivers.alias";
const DRIVER_DEPS: &str = "drivers.dep";
/// Where devices show what driver they want.
const SYS_DEVICES: &str = "/sys/devices";
/// Loading a driver can reveal devices behind it (a PCI function's virtio device): look
/// again, this many times at most.
const ROUNDS: usize = 4;
/// Most `modalias` files read in one look (a gateway has a few hundred devices).
const MODALIAS_MAX: usize = 20_000;

/// Loads the drivers the hardware asks for, matching each device's `modalias` against the
/// image's driver aliases; returns the modules loaded. An image without drivers loads none.
pub(crate) fn load_for_hardware(already: &[String]) -> Vec<String> {
    let dir = Path::new(MODULES_DIR);
    let Ok(aliases) = std::fs::read_to_string(dir.join(DRIVER_ALIASES)) else { return Vec::new() };
    let deps = std::fs::read_to_string(dir.join(DRIVER_DEPS)).unwrap_or_default();
    let index = DriverIndex::parse(&aliases, &deps);
    let mut loaded: Vec<String> = already.to_vec();
    let mut added = Vec::new();
    for _ in 0..ROUNDS {
        let modaliases = modaliases(Path::new(SYS_DEVICES));
        let plan = index.plan(modaliases.iter().map(String::as_str), &loaded);
        if plan.is_empty() {
            break;
        }
        for name in plan {
            // A driver that refuses its device must not stop the boot: the appliance
            // still serves on the interfaces and disks whose drivers did load.
            match load(std::slice::from_ref(&name)) {
                Ok(()) => {
                    tracing::info!(module = %name, "driver loaded for the hardware present");
                    added.push(name.clone());
                }
                Err(error) => tracing::warn!(module = %name, %error, "driver not loaded"),
            }
            loaded.push(name);
        }
    }
    added
}

/// Every device's `modalias` under `root` (symbolic links not followed).
fn modaliases(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    let mut read = 0;
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() && entry.file_name() == "modalias" && read < MODALIAS_MAX {
                read += 1;
                if let Ok(text) = std::fs::read_to_string(entry.path()) {
                    let text = text.trim();
                    if !text.is_empty() {
                        found.push(text.to_owned());
                    }
                }
            }
        }
    }
    found.sort();
    found.dedup();
    found
}
