//! The messages between posternd and the helper: one request per packet, one answer per
//! request (with the listening socket attached to a `Bound` answer). Sans-IO: bytes in,
//! typed values out, bounded in size both ways.

use serde::{Deserialize, Serialize};
use std::net::SocketAddr;

/// The largest request the helper reads; a longer packet is answered `Malformed`. An
/// interface change carries two interface lists; a socket request needs a few bytes.
pub const MAX_REQUEST: usize = 64 * 1024;
/// The largest answer posternd reads.
pub const MAX_ANSWER: usize = 256;
/// The longest error text an answer carries (longer texts are cut on a char boundary).
const MAX_REASON: usize = 160;

/// What posternd may ask for. Each variant is one narrow privileged act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// A TCP socket bound to `address` and listening, handed back by `SCM_RIGHTS`.
    BindTcp {
        /// Where to listen (port 0 picks a free one).
        address: SocketAddr,
    },
    /// The network interfaces changed from `before` to `after` (each a JSON list of
    /// `[[interfaces]]` entries): only what differs is changed, over netlink.
    ApplyInterfaces {
        /// The interfaces as the running system has them configured.
        before: String,
        /// The interfaces as the committed configuration has them.
        after: String,
    },
}

/// The helper's answer to one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Answer {
    /// The socket is attached to this message; it listens on `address`.
    Bound {
        /// The address actually bound.
        address: SocketAddr,
    },
    /// The system refused: `errno` and its text.
    Refused {
        /// The errno of the failed call.
        errno: i32,
        /// The call and the errno's text, e.g. "bind: Address in use".
        reason: String,
    },
    /// The interfaces were changed: how many changes were made, how many the kernel had
    /// made already, how many interfaces of the plan do not exist, and how many driver
    /// settings the driver refused.
    Applied {
        /// Changes carried out.
        done: u32,
        /// Changes already in place.
        already: u32,
        /// Interfaces not found (their changes skipped).
        missing: u32,
        /// Driver settings refused.
        refused: u32,
    },
    /// The interfaces were not (or not wholly) changed, and why.
    NotApplied {
        /// What went wrong.
        reason: String,
    },
    /// The request could not be read (too long, not a request, trailing bytes).
    Malformed {
        /// What was wrong with it.
        reason: String,
    },
}

/// Why a message could not be encoded or decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WireError {
    /// The message is longer than its bound.
    #[error("message of {len} bytes is longer than the {max}-byte bound")]
    TooLong {
        /// Its length.
        len: usize,
        /// The bound.
        max: usize,
    },
    /// The bytes are not a message of this kind.
    #[error("not a valid message: {0}")]
    Invalid(String),
    /// A message followed by bytes that belong to none.
    #[error("{0} trailing bytes after the message")]
    Trailing(usize),
}

fn decode<'a, T: Deserialize<'a>>(bytes: &'a [u8], max: usize) -> Result<T, WireError> {
    if bytes.len() > max {
        return Err(WireError::TooLong { len: bytes.len(), max });
    }
    let (value, rest) = postcard::take_from_bytes(bytes).map_err(|e| WireError::Invalid(e.to_string()))?;
    if !rest.is_empty() {
        return Err(WireError::Trailing(rest.len()));
    }
    Ok(value)
}

fn encode<T: Serialize>(value: &T, max: usize) -> Result<Vec<u8>, WireError> {
    let bytes = postcard::to_allocvec(value).map_err(|e| WireError::Invalid(e.to_string()))?;
    if bytes.len() > max {
        return Err(WireError::TooLong { len: bytes.len(), max });
    }
    Ok(bytes)
}

impl Request {
    /// The request's bytes.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        encode(self, MAX_REQUEST)
    }

    /// Reads one request, refusing anything longer than [`MAX_REQUEST`] or with bytes
    /// after it.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        decode(bytes, MAX_REQUEST)
    }
}

impl Answer {
    /// A refusal, with the text cut to its bound.
    pub fn refused(errno: i32, reason: &str) -> Self {
        Self::Refused { errno, reason: bounded(reason) }
    }

    /// An interface change that failed, with the text cut to its bound.
    pub fn not_applied(reason: &str) -> Self {
        Self::NotApplied { reason: bounded(reason) }
    }

    /// A malformed-request answer, with the text cut to its bound.
    pub fn malformed(reason: &str) -> Self {
        Self::Malformed { reason: bounded(reason) }
    }

    /// The answer's bytes.
    pub fn encode(&self) -> Result<Vec<u8>, WireError> {
        encode(self, MAX_ANSWER)
    }

    /// Reads one answer.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        decode(bytes, MAX_ANSWER)
    }
}

fn bounded(text: &str) -> String {
    let mut end = text.len().min(MAX_REASON);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_round_trips_and_garbage_or_trailing_bytes_are_refused() {
        let request = Request::BindTcp { address: "[::1]:443".parse().expect("address") };
        let bytes = request.encode().expect("encodes");
        assert!(bytes.len() <= MAX_REQUEST);
        assert_eq!(Request::decode(&bytes), Ok(request));
        assert!(matches!(Request::decode(&[9, 9, 9]), Err(WireError::Invalid(_))));
        assert!(matches!(Request::decode(&[]), Err(WireError::Invalid(_))));
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(Request::decode(&longer), Err(WireError::Trailing(1)));
        assert!(matches!(Request::decode(&[0; MAX_REQUEST + 1]), Err(WireError::TooLong { .. })));
    }

    #[test]
    fn every_answer_fits_its_bound_even_with_a_long_reason() {
        let long = "é".repeat(500);
        for answer in [Answer::refused(98, &long), Answer::malformed(&long), Answer::not_applied(&long)] {
            let bytes = answer.encode().expect("fits");
            assert_eq!(Answer::decode(&bytes), Ok(answer));
        }
    }
}
