//! Why bytes are not a valid control channel frame.

/// Why a frame or a message was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// Fewer bytes than the layout needs.
    #[error("truncated: {field} needs {needed} more byte(s)")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// How many bytes were missing.
        needed: usize,
    },
    /// The frame's length is 0 or above [`crate::MAX_FRAME`].
    #[error("frame length {0} is outside 1..={max}", max = crate::MAX_FRAME)]
    FrameLength(usize),
    /// Bytes left after the message's last field.
    #[error("{0} byte(s) after the end of the message")]
    Trailing(usize),
    /// A message type this version does not know.
    #[error("unknown message type {0}")]
    UnknownType(u8),
    /// A refusal reason this version does not know.
    #[error("unknown refusal reason {0}")]
    UnknownReason(u8),
    /// A field holds a value outside its range.
    #[error("{field}: {detail}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        detail: &'static str,
    },
    /// More entries, or a longer string, than the bound allows.
    #[error("{field}: {len} is above the bound of {max}")]
    TooLong {
        /// The field.
        field: &'static str,
        /// Its length or count.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// The output buffer is shorter than [`crate::Repr::buffer_len`].
    #[error("output buffer of {got} byte(s), {needed} needed")]
    BufferTooShort {
        /// The buffer's length.
        got: usize,
        /// The length needed.
        needed: usize,
    },
}
