//! Why a manifest's content is not acceptable, whoever signed it.

use alloc::string::String;

/// A manifest field outside what the format allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ManifestError {
    /// A bundle must carry at least one payload.
    #[error("the bundle has no payloads")]
    NoPayloads,
    /// More payloads than the format allows.
    #[error("the bundle has {count} payloads, at most {max} are allowed")]
    TooManyPayloads {
        /// How many it has.
        count: usize,
        /// The bound.
        max: usize,
    },
    /// A payload name that is empty, too long, starts with a dot or uses other than `[a-z0-9._-]`.
    #[error("payload name {name:?} is not 1 to {max} characters of [a-z0-9._-] not starting with a dot")]
    BadPayloadName {
        /// The name.
        name: String,
        /// The longest name allowed.
        max: usize,
    },
    /// Two payloads share a name.
    #[error("payload name {name:?} appears twice")]
    DuplicatePayloadName {
        /// The name.
        name: String,
    },
    /// A payload larger than the format allows.
    #[error("payload {name} is {length} bytes, at most {max} are allowed")]
    PayloadTooLarge {
        /// The payload's name.
        name: String,
        /// Its declared length.
        length: u64,
        /// The bound.
        max: u64,
    },
    /// A board name that is empty, too long or uses other than `[a-z0-9._-]`.
    #[error("board name {board:?} is not 1 to {max} characters of [a-z0-9._-]")]
    BadBoard {
        /// The board name.
        board: String,
        /// The longest name allowed.
        max: usize,
    },
    /// A version string that is empty, too long or not printable ASCII.
    #[error("version string {version_string:?} is not 1 to {max} printable ASCII characters")]
    BadVersionString {
        /// The version string.
        version_string: String,
        /// The longest string allowed.
        max: usize,
    },
    /// The expiry is not after the creation time.
    #[error("the bundle expires (unix time {expires_unix}) no later than it was created ({created_unix})")]
    ExpiresBeforeCreated {
        /// Creation time.
        created_unix: u64,
        /// Expiry time.
        expires_unix: u64,
    },
}
