//! Whether a verified bundle may be installed on this appliance now: who signed it, board,
//! time and anti-rollback.

use crate::image_trust::{ImageTrust, TEST_KEY_ID};
use crate::key_id::KeyId;
use crate::manifest::Manifest;
use alloc::string::String;

/// How far in the future a bundle's creation time may be before it is refused (one day), so an
/// appliance whose clock is somewhat behind still accepts a fresh bundle.
pub const CLOCK_SKEW_TOLERANCE_SECS: u64 = 24 * 60 * 60;

/// How far a bundle's version may be ahead of the running version. A bundle further ahead
/// (say `u64::MAX`) is refused: once booted, its version would become the anti-rollback floor
/// and no later release could ever be newer. Release numbers that need bigger steps go
/// through intermediate releases.
pub const MAX_VERSION_JUMP: u64 = 100_000;

/// What the appliance knows when it decides whether to install a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy<'a> {
    /// This appliance's board.
    pub board: &'a str,
    /// The current time, unix seconds.
    pub now_unix: u64,
    /// The version number running now.
    pub installed_version: u64,
    /// The anti-rollback floor: the highest version number that ever booted and passed its
    /// health check, kept where an update cannot lower it.
    pub highest_installed_version: u64,
    /// Whether this is a production image (which refuses the committed test key) or a test image.
    pub trust: ImageTrust,
}

/// Why a verified bundle may not be installed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PolicyError {
    /// A production image was given a bundle signed by the committed, public test key.
    #[error(
        "bundle is signed by the public TEST key {key_id}; a production image never installs it (build a test image with --test-keys to use it)"
    )]
    TestKeyInProduction {
        /// The signer's key id, [`TEST_KEY_ID`].
        key_id: KeyId,
    },
    /// The bundle is for another board.
    #[error("bundle is for board {bundle}, this is {appliance}")]
    WrongBoard {
        /// The bundle's board.
        bundle: String,
        /// This appliance's board.
        appliance: String,
    },
    /// The bundle's expiry has passed.
    #[error("bundle expired at unix time {expires_unix}, it is now {now_unix}")]
    Expired {
        /// The bundle's expiry.
        expires_unix: u64,
        /// The time now.
        now_unix: u64,
    },
    /// The bundle was made further in the future than the clock skew tolerance.
    #[error(
        "bundle was created at unix time {created_unix}, more than {tolerance_secs} s after now ({now_unix}); check the clock"
    )]
    CreatedInFuture {
        /// The bundle's creation time.
        created_unix: u64,
        /// The time now.
        now_unix: u64,
        /// The tolerance, [`CLOCK_SKEW_TOLERANCE_SECS`].
        tolerance_secs: u64,
    },
    /// The bundle's version is not newer than the one running.
    #[error("bundle version {version} is not newer than installed {installed}")]
    NotNewer {
        /// The bundle's version.
        version: u64,
        /// The version running.
        installed: u64,
    },
    /// The bundle's version is not newer than a version that booted good before (anti-rollback).
    #[error(
        "bundle version {version} is not newer than {highest}, the highest version that ever ran here (anti-rollback)"
    )]
    RolledBack {
        /// The bundle's version.
        version: u64,
        /// The highest version ever installed.
        highest: u64,
    },
    /// The bundle's version is further ahead of the running one than [`MAX_VERSION_JUMP`].
    #[error(
        "bundle version {version} is more than {max_jump} ahead of the running version {installed}; refused so that one bundle cannot make every later update look old (anti-rollback)"
    )]
    TooFarAhead {
        /// The bundle's version.
        version: u64,
        /// The version running.
        installed: u64,
        /// The largest step allowed, [`MAX_VERSION_JUMP`].
        max_jump: u64,
    },
}

/// Refuses, in a production image, a bundle signed by the committed test key; then a bundle
/// for another board, an expired one, one made in the future beyond the tolerance, one whose
/// version is not above both the running one and the anti-rollback floor, and one more than
/// [`MAX_VERSION_JUMP`] ahead of the running version.
pub fn check_policy(manifest: &Manifest, policy: &Policy<'_>) -> Result<(), PolicyError> {
    if policy.trust == ImageTrust::Production && manifest.key_id == TEST_KEY_ID {
        return Err(PolicyError::TestKeyInProduction { key_id: manifest.key_id });
    }
    if manifest.board != policy.board {
        return Err(PolicyError::WrongBoard { bundle: manifest.board.clone(), appliance: policy.board.into() });
    }
    if policy.now_unix > manifest.expires_unix {
        return Err(PolicyError::Expired { expires_unix: manifest.expires_unix, now_unix: policy.now_unix });
    }
    if manifest.created_unix > policy.now_unix.saturating_add(CLOCK_SKEW_TOLERANCE_SECS) {
        return Err(PolicyError::CreatedInFuture {
            created_unix: manifest.created_unix,
            now_unix: policy.now_unix,
            tolerance_secs: CLOCK_SKEW_TOLERANCE_SECS,
        });
    }
    if manifest.version <= policy.installed_version {
        return Err(PolicyError::NotNewer { version: manifest.version, installed: policy.installed_version });
    }
    if manifest.version <= policy.highest_installed_version {
        return Err(PolicyError::RolledBack { version: manifest.version, highest: policy.highest_installed_version });
    }
    if manifest.version.saturating_sub(policy.installed_version) > MAX_VERSION_JUMP {
        return Err(PolicyError::TooFarAhead {
            version: manifest.version,
            installed: policy.installed_version,
            max_jump: MAX_VERSION_JUMP,
        });
    }
    Ok(())
}
