//! What can be wrong with a PROXY protocol header.

/// Why bytes are not an acceptable PROXY protocol header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyError {
    /// The bytes start with neither the version 1 `PROXY ` prefix nor the version 2
    /// signature: the sender sent no header.
    #[error("no PROXY protocol header: the connection starts with other bytes")]
    NotProxy,
    /// The bytes end before the header does.
    #[error("the PROXY protocol header is truncated: {have} of at least {need} bytes")]
    Truncated {
        /// Bytes given.
        have: usize,
        /// Bytes the header needs at least.
        need: usize,
    },
    /// A version 1 line has no CRLF within the longest allowed line.
    #[error("the PROXY protocol v1 line has no CRLF within {max} bytes")]
    V1TooLong {
        /// The longest line allowed, CRLF included.
        max: usize,
    },
    /// A version 1 line is not `PROXY TCP4|TCP6|UNKNOWN …` with valid fields.
    #[error("malformed PROXY protocol v1 line: {reason}")]
    V1Malformed {
        /// What is wrong.
        reason: &'static str,
    },
    /// A version 2 header's version nibble is not 2.
    #[error("PROXY protocol v2 header with version {0} (only 2 is defined)")]
    V2Version(u8),
    /// A version 2 header's command is neither LOCAL nor PROXY.
    #[error("PROXY protocol v2 header with unknown command {0}")]
    V2Command(u8),
    /// A version 2 header's family or transport byte is not defined by the protocol.
    #[error("PROXY protocol v2 header with undefined family/transport byte {0:#04x}")]
    V2Family(u8),
    /// A version 2 header is longer than this parser accepts.
    #[error("PROXY protocol v2 header of {len} bytes, longer than the {max} accepted")]
    V2TooLong {
        /// The header's length, the 16 fixed bytes included.
        len: usize,
        /// The most accepted.
        max: usize,
    },
    /// A version 2 header's length is too short for the addresses of its family.
    #[error("PROXY protocol v2 header: {len} address bytes, the family needs {need}")]
    V2AddressesTruncated {
        /// Bytes after the fixed part.
        len: usize,
        /// Bytes the family's addresses take.
        need: usize,
    },
    /// A TLV runs past the end of the header.
    #[error("PROXY protocol v2 header: a TLV runs past the header's end")]
    V2TlvTruncated,
    /// `parse` was given bytes after the end of the header.
    #[error("{0} bytes follow the PROXY protocol header in the buffer given to parse")]
    TrailingBytes(usize),
    /// The buffer given to `emit` is too small.
    #[error("buffer of {have} bytes is too small for a {need}-byte header")]
    BufferTooSmall {
        /// Bytes available.
        have: usize,
        /// Bytes needed.
        need: usize,
    },
}
