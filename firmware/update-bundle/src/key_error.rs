//! Why a key file or a set of trusted keys was refused.

use crate::key_id::KeyId;

/// A key file or a set of trusted keys that cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The text holds only comments and blank lines.
    #[error("no key found: expected a line of 64 hexadecimal digits")]
    Missing,
    /// A line is not 64 hexadecimal digits.
    #[error("line {line} is not a key: expected 64 hexadecimal digits, found {length} characters")]
    NotHex {
        /// The line number, from 1.
        line: usize,
        /// How many characters the line held (after trimming).
        length: usize,
    },
    /// More than one key line.
    #[error("line {line} is a second key: a key file holds exactly one key")]
    SecondKey {
        /// The line number, from 1.
        line: usize,
    },
    /// The 32 bytes are not a valid ed25519 public key, or a weak one.
    #[error("not a usable ed25519 public key ({reason})")]
    InvalidPublicKey {
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Two trusted keys share a key id.
    #[error("two trusted keys have the same key id {key_id}")]
    DuplicateKeyId {
        /// The shared id.
        key_id: KeyId,
    },
    /// A key file could not be read or written.
    #[cfg(feature = "std")]
    #[error("{}: {source}", .path.display())]
    Io {
        /// The file or directory.
        path: std::path::PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A key file's content was refused.
    #[cfg(feature = "std")]
    #[error("{}: {source}", .path.display())]
    File {
        /// The file.
        path: std::path::PathBuf,
        /// Why its content was refused.
        #[source]
        source: alloc::boxed::Box<KeyError>,
    },
    /// A directory of trusted keys holds no `*.pub` file.
    #[cfg(feature = "std")]
    #[error("{}: no *.pub public key files", .dir.display())]
    NoTrustedKeys {
        /// The directory.
        dir: std::path::PathBuf,
    },
}
