//! Why a bundle was refused while reading it.

use crate::hex::Hex;
use crate::key_id::KeyId;
use crate::manifest_error::ManifestError;
use crate::part::Part;
use alloc::string::String;
use alloc::vec::Vec;

/// A bundle refused by the reader (or by [`crate::resign_header`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// The input does not start with [`crate::MAGIC`].
    #[error("not a Postern update bundle: it starts with {} instead of the magic PSTNUPD1", Hex(.found))]
    BadMagic {
        /// The bytes found (up to the first that differs).
        found: Vec<u8>,
    },
    /// The manifest length is above [`crate::MAX_MANIFEST_LEN`].
    #[error("the manifest length {length} is larger than the {max} bytes allowed")]
    ManifestTooLarge {
        /// The length in the header.
        length: u32,
        /// The bound.
        max: u32,
    },
    /// The manifest bytes do not decode.
    #[error("malformed manifest: {reason}")]
    MalformedManifest {
        /// What the decoder said.
        reason: String,
    },
    /// The manifest is of a format this reader does not know.
    #[error("manifest format {format} is not supported (this reader knows format {supported})")]
    UnsupportedFormat {
        /// The format in the manifest.
        format: u16,
        /// The format this reader knows.
        supported: u16,
    },
    /// The manifest is signed by a key that is not trusted.
    #[error("the bundle is signed by key {key_id}, which is not a trusted key")]
    UnknownKey {
        /// The manifest's key id.
        key_id: KeyId,
    },
    /// The signature does not verify with the trusted key the manifest names.
    #[error("the manifest's signature does not verify with trusted key {key_id}")]
    BadSignature {
        /// The manifest's key id.
        key_id: KeyId,
    },
    /// The signed manifest breaks the format's bounds.
    #[error("invalid manifest: {0}")]
    InvalidManifest(#[from] ManifestError),
    /// The bundle's length (from its manifest) differs from the length of the input.
    #[error("the manifest describes a bundle of {expected} bytes but the input is {actual} bytes")]
    WrongLength {
        /// The length the manifest implies.
        expected: u64,
        /// The length the input announced.
        actual: u64,
    },
    /// A payload's bytes do not hash to the sha256 in the manifest.
    #[error("payload {index} ({name}) has sha256 {}, the manifest says {}", Hex(.actual), Hex(.expected))]
    PayloadHashMismatch {
        /// Its position, from 0.
        index: usize,
        /// Its name.
        name: String,
        /// The manifest's sha256.
        expected: [u8; 32],
        /// The sha256 of the bytes received.
        actual: [u8; 32],
    },
    /// The input ended before the bundle did.
    #[error(
        "the bundle is truncated: input ended in {part} after {received} of its {expected} bytes (at byte {offset} of the bundle)"
    )]
    Truncated {
        /// The part being read.
        part: Part,
        /// How many of its bytes arrived.
        received: u64,
        /// How many it has.
        expected: u64,
        /// How many bytes of the bundle arrived in all.
        offset: u64,
    },
    /// Bytes follow the last payload.
    #[error("unexpected bytes after the last payload, at byte {offset} of the bundle")]
    TrailingBytes {
        /// Where the bundle should have ended.
        offset: u64,
    },
    /// `finish` was called while the reader still had events to give (call `feed` until it gives none).
    #[error("the reader still has events to deliver: call feed until it returns no event")]
    EventsPending,
    /// The reader already refused this bundle.
    #[error("the reader already refused this bundle")]
    AlreadyFailed,
}
