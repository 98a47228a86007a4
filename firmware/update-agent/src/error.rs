//! Why an install or a rollback was refused or failed.

use std::path::PathBuf;

/// A refused or failed update operation. A refusal changes nothing on the appliance.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UpdateError {
    /// The bundle failed verification (signature, key, hashes, lengths, truncation).
    #[error("bundle refused: {0}")]
    Bundle(#[from] postern_update_bundle::BundleError),
    /// The verified bundle may not be installed here (board, expiry, version).
    #[error("bundle refused: {0}")]
    Policy(#[from] postern_update_bundle::PolicyError),
    /// The bundle lacks a payload the appliance needs, or has one it does not know.
    #[error("bundle refused: {0}")]
    Payloads(String),
    /// The source could not be read.
    #[error("cannot read {source_name}: {reason}")]
    Source {
        /// The file or URL.
        source_name: String,
        /// Why.
        reason: String,
    },
    /// The appliance was not booted from a system slot.
    #[error("updates need an appliance booted from a system slot: {0}")]
    NoSlots(String),
    /// A file of the appliance could not be read or written.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// The boot slots could not be changed.
    #[error(transparent)]
    Slots(#[from] postern_boot_slots::SlotError),
    /// A durable write failed.
    #[error(transparent)]
    Write(#[from] postern_durable_fs::FsError),
    /// The image file (what the image trusts) could not be understood.
    #[error("image file {path}: {reason}")]
    ImageFile {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The install helper refused, failed or could not be reached (its message).
    #[error("{0}")]
    Helper(String),
    /// The trusted keys could not be loaded.
    #[error("trusted update keys: {0}")]
    Keys(#[from] postern_update_bundle::KeyError),
}

impl UpdateError {
    /// An I/O failure while doing `what` to `path`.
    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { what, path, source }
    }
}
