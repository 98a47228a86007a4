//! The manifest: what a bundle holds, for which board and version, signed by which key.

use crate::key_id::KeyId;
use crate::limits::{FORMAT, MAX_BOARD_LEN, MAX_NAME_LEN, MAX_PAYLOAD_LEN, MAX_PAYLOADS, MAX_VERSION_STRING_LEN};
use crate::manifest_error::ManifestError;
use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A bundle's signed manifest (encoded with postcard, fields in this order).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Manifest {
    /// The manifest format; [`FORMAT`].
    pub format: u16,
    /// The product version as a number that grows with every release (anti-rollback compares it).
    pub version: u64,
    /// The product version as people read it.
    pub version_string: String,
    /// The board the bundle is for.
    pub board: String,
    /// When the bundle was made, unix seconds.
    pub created_unix: u64,
    /// After this time (unix seconds) the bundle is refused.
    pub expires_unix: u64,
    /// The id of the key that signed the manifest.
    pub key_id: KeyId,
    /// The payloads, in the order their bytes follow the signature.
    pub payloads: Vec<PayloadEntry>,
}

/// One payload: its name, length and sha256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PayloadEntry {
    /// A short name of `[a-z0-9._-]` (e.g. `vmlinuz`, `rootfs.cpio.gz`), unique in the bundle.
    pub name: String,
    /// Its length in bytes.
    pub length: u64,
    /// The sha256 of its bytes.
    pub sha256: [u8; 32],
}

impl PayloadEntry {
    /// An entry from its parts.
    pub fn new(name: impl Into<String>, length: u64, sha256: [u8; 32]) -> Self {
        Self { name: name.into(), length, sha256 }
    }

    /// The entry describing `data`.
    pub fn for_bytes(name: impl Into<String>, data: &[u8]) -> Self {
        Self::new(name, data.len() as u64, Sha256::digest(data).into())
    }
}

/// What the maker of a bundle says about it; the payloads and the key id are added when signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleInfo {
    /// The product version number (see [`Manifest::version`]).
    pub version: u64,
    /// The product version as people read it.
    pub version_string: String,
    /// The board the bundle is for.
    pub board: String,
    /// When the bundle was made, unix seconds.
    pub created_unix: u64,
    /// When the bundle expires, unix seconds.
    pub expires_unix: u64,
}

impl Manifest {
    /// The manifest of `info` and `payloads`, to be signed by `key_id`; checked with [`Manifest::validate`].
    pub(crate) fn new(info: &BundleInfo, payloads: Vec<PayloadEntry>, key_id: KeyId) -> Result<Self, ManifestError> {
        let manifest = Self {
            format: FORMAT,
            version: info.version,
            version_string: info.version_string.clone(),
            board: info.board.clone(),
            created_unix: info.created_unix,
            expires_unix: info.expires_unix,
            key_id,
            payloads,
        };
        manifest.validate()?;
        Ok(manifest)
    }

    /// Checks the bounds: payload count, names, lengths, board, version string and times.
    pub fn validate(&self) -> Result<(), ManifestError> {
        if self.payloads.is_empty() {
            return Err(ManifestError::NoPayloads);
        }
        if self.payloads.len() > MAX_PAYLOADS {
            return Err(ManifestError::TooManyPayloads { count: self.payloads.len(), max: MAX_PAYLOADS });
        }
        for (index, payload) in self.payloads.iter().enumerate() {
            if !is_name(&payload.name, MAX_NAME_LEN) || payload.name.starts_with('.') {
                return Err(ManifestError::BadPayloadName { name: payload.name.clone(), max: MAX_NAME_LEN });
            }
            if self.payloads[..index].iter().any(|earlier| earlier.name == payload.name) {
                return Err(ManifestError::DuplicatePayloadName { name: payload.name.clone() });
            }
            if payload.length > MAX_PAYLOAD_LEN {
                return Err(ManifestError::PayloadTooLarge {
                    name: payload.name.clone(),
                    length: payload.length,
                    max: MAX_PAYLOAD_LEN,
                });
            }
        }
        if !is_name(&self.board, MAX_BOARD_LEN) {
            return Err(ManifestError::BadBoard { board: self.board.clone(), max: MAX_BOARD_LEN });
        }
        let printable = self.version_string.bytes().all(|b| (0x20..0x7f).contains(&b));
        if !printable || self.version_string.is_empty() || self.version_string.len() > MAX_VERSION_STRING_LEN {
            return Err(ManifestError::BadVersionString {
                version_string: self.version_string.clone(),
                max: MAX_VERSION_STRING_LEN,
            });
        }
        if self.expires_unix <= self.created_unix {
            return Err(ManifestError::ExpiresBeforeCreated {
                created_unix: self.created_unix,
                expires_unix: self.expires_unix,
            });
        }
        Ok(())
    }

    /// The total length of the payloads, in bytes.
    pub fn payload_bytes(&self) -> u64 {
        self.payloads.iter().map(|p| p.length).fold(0, u64::saturating_add)
    }
}

impl From<&Manifest> for BundleInfo {
    fn from(manifest: &Manifest) -> Self {
        Self {
            version: manifest.version,
            version_string: manifest.version_string.clone(),
            board: manifest.board.clone(),
            created_unix: manifest.created_unix,
            expires_unix: manifest.expires_unix,
        }
    }
}

/// Whether `name` is 1 to `max` bytes of `[a-z0-9._-]`.
fn is_name(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-'))
}
