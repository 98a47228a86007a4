//! The format's constants and bounds.

/// The first eight bytes of every bundle.
pub const MAGIC: [u8; 8] = *b"PSTNUPD1";

/// The manifest format this crate writes and reads.
pub const FORMAT: u16 = 1;

/// The largest manifest accepted, in bytes.
pub const MAX_MANIFEST_LEN: u32 = 64 * 1024;

/// The length of the ed25519 signature that follows the manifest.
pub const SIGNATURE_LEN: usize = 64;

/// The largest header (magic, manifest length, manifest, signature), in bytes.
pub const MAX_HEADER_LEN: usize = MAGIC.len() + 4 + MAX_MANIFEST_LEN as usize + SIGNATURE_LEN;

/// The most payloads a bundle may carry.
pub const MAX_PAYLOADS: usize = 16;

/// The longest payload name, in bytes.
pub const MAX_NAME_LEN: usize = 64;

/// The longest board name, in bytes.
pub const MAX_BOARD_LEN: usize = 64;

/// The longest product version string, in bytes.
pub const MAX_VERSION_STRING_LEN: usize = 128;

/// The largest payload, in bytes (4 GiB).
pub const MAX_PAYLOAD_LEN: u64 = 4 << 30;

/// Where the manifest starts: after the magic and the length.
pub(crate) const MANIFEST_OFFSET: usize = MAGIC.len() + 4;
