//! Why bytes are not a usable DNS message.

/// Why a DNS message was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DnsError {
    /// Fewer bytes than the layout needs.
    #[error("truncated: {0} runs past the end of the message")]
    Truncated(&'static str),
    /// A name longer than 255 bytes in its uncompressed form.
    #[error("a name is longer than 255 bytes")]
    NameTooLong,
    /// A compression pointer that does not point before the labels it was read from
    /// (the only kind that cannot loop).
    #[error("a compression pointer does not point backwards")]
    BadPointer,
    /// A label type other than a plain label or a pointer (0x40, 0x80).
    #[error("label type {0:#04x} is not supported")]
    BadLabelType(u8),
    /// Bytes after the last record the header counts.
    #[error("{0} byte(s) after the last record")]
    Trailing(usize),
    /// A message longer than 65 535 bytes, or a record data field beyond 65 535 bytes.
    #[error("{0} is too long")]
    TooLong(&'static str),
    /// The output buffer is shorter than [`crate::Repr::buffer_len`].
    #[error("output buffer of {got} byte(s), {needed} needed")]
    BufferTooShort {
        /// The buffer's length.
        got: usize,
        /// The length needed.
        needed: usize,
    },
}
