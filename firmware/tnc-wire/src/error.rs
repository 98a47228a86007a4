//! Errors of parsing and emitting.

/// Why bytes were refused. `what` names the field or structure that was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Fewer bytes than the structure needs.
    #[error("{what}: truncated: needs {needed} bytes, {available} present")]
    Truncated {
        /// The structure being read.
        what: &'static str,
        /// Bytes needed.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// A length field disagrees with the bytes present.
    #[error("{what}: length field says {declared} bytes, {actual} present")]
    LengthMismatch {
        /// The structure being read.
        what: &'static str,
        /// The length the field declares.
        declared: u64,
        /// The bytes actually present.
        actual: usize,
    },
    /// A length or count over the configured maximum.
    #[error("{what}: {len} exceeds the limit of {max}")]
    TooLarge {
        /// The structure being read.
        what: &'static str,
        /// The length or count seen.
        len: u64,
        /// The configured maximum.
        max: u64,
    },
    /// A protocol version this implementation does not speak.
    #[error("{what}: unsupported version {version}")]
    Version {
        /// The structure being read.
        what: &'static str,
        /// The version received.
        version: u8,
    },
    /// A field holds a value the standard does not allow.
    #[error("{what}: invalid value {value:#x}")]
    InvalidValue {
        /// The field.
        what: &'static str,
        /// The value received.
        value: u32,
    },
    /// A structural rule is broken (for example a NUL inside a string).
    #[error("{what}: {reason}")]
    Invalid {
        /// The structure being read.
        what: &'static str,
        /// The rule that is broken.
        reason: &'static str,
    },
    /// A message the receiver must understand (NOSKIP set) of a type it does not know.
    #[error("unsupported mandatory {what} {vendor_id:#08x}/{kind:#x}")]
    UnsupportedMandatory {
        /// The kind of message or attribute.
        what: &'static str,
        /// Its vendor id.
        vendor_id: u32,
        /// Its type.
        kind: u32,
    },
}
