//! The settings the UEM provided, kept on disk: after a restart during an outage, new
//! devices still get the UEM's own rule (S3) instead of "never received". They are kept
//! per UEM (the file name carries a digest of the connector's identity), so switching to
//! another UEM starts again from "never received", never from the old UEM's rule.

use postern_uem_api::Settings;
use std::path::{Path, PathBuf};

/// Where the last settings received from the UEM are kept.
pub(crate) struct SettingsFile {
    path: PathBuf,
}

/// FNV-1a, 64 bits: a digest that stays the same across builds (unlike std's hasher).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// Largest settings file read back; anything bigger is not ours.
const MAX_BYTES: u64 = 64 * 1024;

impl SettingsFile {
    /// The file for the UEM named by `connector_identity`, in the daemon's state directory.
    pub(crate) fn new(state_dir: &Path, connector_identity: &str) -> Self {
        Self { path: state_dir.join(format!("uem-settings-{:016x}.json", fnv1a(connector_identity.as_bytes()))) }
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

    /// Keeps `settings` (atomically and durably).
    pub(crate) fn save(&self, settings: &Settings) {
        let written = postern_uem_api::encode(settings)
            .map_err(|e| e.to_string())
            .and_then(|body| postern_durable_fs::write_atomically(&self.path, &body, 0o600).map_err(|e| e.to_string()));
        if let Err(error) = written {
            tracing::error!(path = %self.path.display(), %error, "cannot keep the UEM settings on disk");
        }
    }
}
