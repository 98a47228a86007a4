//! Loading and saving a configuration file; saves are atomic.

use crate::config::Config;
use crate::error::ConfigError;
use std::fs::File;
use std::io::Read;
use std::path::Path;

/// Largest configuration file the loader reads, in bytes.
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

impl Config {
    /// Reads, migrates and validates the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let io = |op| move |source| ConfigError::Io { op, path: path.to_owned(), source };
        let file = File::open(path).map_err(io("open"))?;
        let mut text = String::new();
        file.take(MAX_FILE_BYTES + 1).read_to_string(&mut text).map_err(io("read"))?;
        if text.len() as u64 > MAX_FILE_BYTES {
            return Err(ConfigError::TooLarge { path: path.to_owned(), limit: MAX_FILE_BYTES });
        }
        Config::from_toml_str(&text)
    }

    /// Writes the configuration to `path` atomically: a temporary file beside it is
    /// written and flushed to disk, then renamed over `path`, and the directory is flushed.
    /// A reader sees the old file or the new one, never a part. Concurrent saves to the
    /// same path must be serialised by the caller.
    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text = self.to_toml_string()?;
        postern_durable_fs::write_atomically(path, text.as_bytes(), 0o640).map_err(|e| ConfigError::Io {
            op: e.op,
            path: e.path,
            source: e.source,
        })
    }
}
