//! How many bytes of a connection belong to its PROXY protocol header, so that a reader
//! takes exactly the header and leaves what follows (e.g. a TLS ClientHello) unread.

use crate::error::ProxyError;
use crate::v1::{V1_MAX_LEN, V1_PREFIX};
use crate::v2::{SIGNATURE, V2_HEADER_LEN, V2_MAX_LEN};

/// The fewest bytes any header takes (`PROXY UNKNOWN\r\n`): a reader may always read
/// this many first.
pub const MIN_LEN: usize = 15;

/// What a reader should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Read exactly this many more bytes: all of them belong to the header.
    Need(usize),
    /// The first this-many bytes are a whole header; parse them.
    Complete(usize),
}

/// Looks at the bytes read so far (from the start of the connection) and says how many
/// more to read, or where the header ends. Fails as soon as the bytes cannot start a
/// header or the header would exceed its bound.
pub fn framing(read: &[u8]) -> Result<Framing, ProxyError> {
    let v2 = starts_like(read, &SIGNATURE);
    let v1 = starts_like(read, V1_PREFIX);
    if !v1 && !v2 {
        return Err(ProxyError::NotProxy);
    }
    if read.len() < MIN_LEN {
        return Ok(Framing::Need(MIN_LEN - read.len()));
    }
    if v2 {
        if read.len() < V2_HEADER_LEN {
            return Ok(Framing::Need(V2_HEADER_LEN - read.len()));
        }
        let total = V2_HEADER_LEN + usize::from(u16::from_be_bytes([read[14], read[15]]));
        if total > V2_MAX_LEN {
            return Err(ProxyError::V2TooLong { len: total, max: V2_MAX_LEN });
        }
        return Ok(match total.checked_sub(read.len()) {
            Some(0) | None => Framing::Complete(total),
            Some(more) => Framing::Need(more),
        });
    }
    match read.windows(2).position(|pair| pair == b"\r\n") {
        Some(at) if at + 2 <= V1_MAX_LEN => Ok(Framing::Complete(at + 2)),
        Some(_) => Err(ProxyError::V1TooLong { max: V1_MAX_LEN }),
        None if read.len() >= V1_MAX_LEN => Err(ProxyError::V1TooLong { max: V1_MAX_LEN }),
        // The line may end with the next byte; reading more could take what follows it.
        None => Ok(Framing::Need(1)),
    }
}

/// Whether `read` agrees with `prefix` over their common length.
fn starts_like(read: &[u8], prefix: &[u8]) -> bool {
    let n = read.len().min(prefix.len());
    read[..n] == prefix[..n]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v1_is_read_a_byte_at_a_time_after_the_minimum() {
        let line = b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\nREST";
        assert_eq!(framing(b""), Ok(Framing::Need(MIN_LEN)));
        assert_eq!(framing(&line[..6]), Ok(Framing::Need(MIN_LEN - 6)));
        assert_eq!(framing(&line[..20]), Ok(Framing::Need(1)));
        assert_eq!(framing(&line[..32]), Ok(Framing::Complete(32)));
        assert_eq!(framing(&line[..]), Ok(Framing::Complete(32)));
    }

    #[test]
    fn v2_needs_the_fixed_part_then_its_length() {
        let mut header = [0u8; 16 + 12];
        header[..12].copy_from_slice(&SIGNATURE);
        header[12] = 0x21;
        header[13] = 0x11;
        header[15] = 12;
        assert_eq!(framing(&header[..15]), Ok(Framing::Need(1)));
        assert_eq!(framing(&header[..16]), Ok(Framing::Need(12)));
        assert_eq!(framing(&header), Ok(Framing::Complete(28)));
    }

    #[test]
    fn other_protocols_and_overlong_headers_fail_early() {
        assert_eq!(framing(b"\x16\x03\x01"), Err(ProxyError::NotProxy));
        assert_eq!(framing(b"GET / HTTP/1.1\r\n"), Err(ProxyError::NotProxy));
        assert_eq!(framing(b"PROXX"), Err(ProxyError::NotProxy));
        let long = [b"PROXY ".as_slice(), &[b'x'; 101]].concat();
        assert_eq!(framing(&long), Err(ProxyError::V1TooLong { max: V1_MAX_LEN }));
        let mut v2 = [0u8; 16];
        v2[..12].copy_from_slice(&SIGNATURE);
        v2[14..16].copy_from_slice(&u16::MAX.to_be_bytes());
        assert!(matches!(framing(&v2), Err(ProxyError::V2TooLong { .. })));
    }
}
