//! Loading the board's kernel modules.

use crate::error::InitError;
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
