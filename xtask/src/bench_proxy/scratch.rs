//! A scratch directory for one benchmark run (removed when dropped), and free loopback ports.

use crate::shell::{Result, StepError};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory under the system's temporary directory, removed with its contents on drop.
pub(crate) struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// Creates a new, empty directory named after this process.
    pub(crate) fn new() -> Result<Self> {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("postern-bench-proxy-{}-{n}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|e| StepError(format!("clearing {}: {e}", dir.display())))?;
        }
        std::fs::create_dir_all(&dir).map_err(|e| StepError(format!("creating {}: {e}", dir.display())))?;
        Ok(Self { dir })
    }

    /// The directory.
    pub(crate) fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes `contents` to `name` inside the directory and returns its path.
    pub(crate) fn write(&self, name: &str, contents: &str) -> Result<PathBuf> {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).map_err(|e| StepError(format!("writing {}: {e}", path.display())))?;
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A loopback TCP port that is free now (bound to port 0, then released).
pub(crate) fn free_port() -> Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| StepError(format!("finding a free port: {e}")))?;
    listener.local_addr().map(|a| a.port()).map_err(|e| StepError(format!("finding a free port: {e}")))
}
