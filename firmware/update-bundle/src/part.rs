//! The parts of a bundle, to say where input ended or went wrong.

use alloc::string::String;
use core::fmt;

/// A part of a bundle, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// The 8-byte magic.
    Magic,
    /// The 4-byte manifest length.
    ManifestLength,
    /// The manifest.
    Manifest,
    /// The 64-byte signature.
    Signature,
    /// A payload.
    Payload {
        /// Its position in the manifest, from 0.
        index: usize,
        /// Its name.
        name: String,
    },
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Magic => f.write_str("the magic"),
            Self::ManifestLength => f.write_str("the manifest length"),
            Self::Manifest => f.write_str("the manifest"),
            Self::Signature => f.write_str("the signature"),
            Self::Payload { index, name } => write!(f, "payload {index} ({name})"),
        }
    }
}
