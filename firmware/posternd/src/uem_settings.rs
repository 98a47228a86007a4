//! The settings the UEM provided, kept on disk: after a restart during an outage, new
//! devices still get the UEM's own rule (S3) instead of "never received".

use postern_uem_api::Settings;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where the last settings received from the UEM are kept.
pub(crate) struct SettingsFile {
    path: PathBuf,
}

/// Largest settings file read back; anything bigger is not ours.
const MAX_BYTES: u64 = 64 * 1024;

impl SettingsFile {
    /// The file in the daemon's state directory.
    pub(crate) fn new(state_dir: &Path) -> Self {
        Self { path: state_dir.join("uem-settings.json") }
    }

    /// The settings last received, if any could be read. An unreadable file is logged and
    /// ignored: the gateway then behaves as if it never received them (blocking new devices
    /// during an outage), never more openly.
    pub(crate) fn load(&self) -> Option<Settings> {
        let file = std::fs::File::open(&self.path).ok()?;
        let mut text = Vec::new();
        if let Err(error) = std::io::Read::read_to_end(&mut std::io::Read::take(file, MAX_BYTES), &mut text) {
            tracing::warn!(path = %self.path.display(), %error, "cannot read the UEM settings kept on disk");
            return None;
        }
        match postern_uem_api::decode::<Settings>(&text, MAX_BYTES as usize) {
            Ok(settings) => Some(settings),
            Err(error) => {
                tracing::warn!(path = %self.path.display(), %error, "ignoring a damaged UEM settings file");
                None
            }
        }
    }

    /// Keeps `settings` (temporary file, fsync, rename).
    pub(crate) fn save(&self, settings: &Settings) {
        let result = (|| -> std::io::Result<()> {
            let body = postern_uem_api::encode(settings).map_err(std::io::Error::other)?;
            let tmp = self.path.with_extension("json.tmp");
            let mut file = std::fs::File::create(&tmp)?;
            file.write_all(&body)?;
            file.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        })();
        if let Err(error) = result {
            tracing::error!(path = %self.path.display(), %error, "cannot keep the UEM settings on disk");
        }
    }
}
