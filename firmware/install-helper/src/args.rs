//! The helper's command line.

use crate::error::HelperError;
use std::path::PathBuf;

/// Where the helper listens and what it works on.
#[derive(Debug, Clone)]
pub(crate) struct Args {
    /// The socket to listen on (its directory is made root's, the daemon's group's).
    pub(crate) socket: PathBuf,
    /// The mounted EFI system partition, read-only but during a write.
    pub(crate) esp: PathBuf,
    /// The update agent's records.
    pub(crate) state_dir: PathBuf,
    /// The anti-rollback floor's directory (read only).
    pub(crate) floor_dir: PathBuf,
    /// The daemon's user: the only one, beside root, whose requests are served.
    pub(crate) user: String,
    /// Held while the partition is writable (init takes it too, to mark a slot good).
    pub(crate) lock: PathBuf,
    /// A root directory for the image's files (`/` on the appliance; tests point it
    /// elsewhere): board file, release, trusted keys, image file, kernel command line.
    pub(crate) image_root: PathBuf,
}

impl Args {
    /// `--socket PATH --esp PATH --state-dir PATH --floor-dir PATH --user NAME --lock PATH [--image-root PATH]`.
    pub(crate) fn parse(mut words: impl Iterator<Item = String>) -> Result<Self, HelperError> {
        let mut args = Args {
            socket: postern_update_agent::HELPER_SOCKET.into(),
            esp: "/boot".into(),
            state_dir: "/data/postern/update".into(),
            floor_dir: postern_update_agent::FLOOR_DIR.into(),
            user: "postern".into(),
            image_root: "/".into(),
            lock: "/run/postern-esp.lock".into(),
        };
        while let Some(flag) = words.next() {
            let value = words.next().ok_or_else(|| HelperError::Usage(format!("{flag} needs a value")))?;
            match flag.as_str() {
                "--socket" => args.socket = value.into(),
                "--esp" => args.esp = value.into(),
                "--state-dir" => args.state_dir = value.into(),
                "--floor-dir" => args.floor_dir = value.into(),
                "--user" => args.user = value,
                "--image-root" => args.image_root = value.into(),
                "--lock" => args.lock = value.into(),
                other => return Err(HelperError::Usage(format!("unknown option {other}"))),
            }
        }
        Ok(args)
    }
}
