//! Loading and saving a configuration file; saves are atomic.

use crate::config::Config;
use crate::error::ConfigError;
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Largest configuration file the loader reads, in bytes.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

impl Config {
    /// Reads, migrates and validates the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let io = |op| {
            move |source| ConfigError::Io {
                op,
                path: path.to_owned(),
                source,
            }
        };
        let file = File::open(path).map_err(io("open"))?;
        let mut text = String::new();
        file.take(MAX_FILE_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(io("read"))?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(ConfigError::TooLarge {
                path: path.to_owned(),
                limit: MAX_FILE_BYTES,
            });
        }
        Config::from_toml_str(&text)
    }

    /// Writes the configuration to `path` atomically: a temporary file beside it is
    /// written and flushed to disk, then renamed over `path`, and the directory is flushed.
    /// A reader sees the old file or the new one, never a part. Concurrent saves to the
    /// same path must be serialised by the caller.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text = self.to_toml_string()?;
        let temp = temp_path(path);
        let result = write_synced(&temp, text.as_bytes()).and_then(|()| {
            fs::rename(&temp, path).map_err(|source| ConfigError::Io {
                op: "rename into place",
                path: path.to_owned(),
                source,
            })
        });
        if result.is_err() {
            // Best effort: the temporary file is useless once the save failed.
            let _ = fs::remove_file(&temp);
        }
        result?;
        sync_dir(path)
    }
}

/// `.<name>.<pid>.tmp` in the same directory as `path`, so the rename stays on one file system.
fn temp_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    let io = |op| {
        move |source| ConfigError::Io {
            op,
            path: path.to_owned(),
            source,
        }
    };
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o640);
    let mut file = options.open(path).map_err(io("create"))?;
    file.write_all(bytes).map_err(io("write"))?;
    file.sync_all().map_err(io("flush to disk"))
}

/// Flushes the directory holding `path`, so the rename itself survives a power cut.
fn sync_dir(path: &Path) -> Result<(), ConfigError> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io = |op| {
        move |source| ConfigError::Io {
            op,
            path: dir.to_owned(),
            source,
        }
    };
    File::open(dir)
        .map_err(io("open directory"))?
        .sync_all()
        .map_err(io("flush directory"))
}
