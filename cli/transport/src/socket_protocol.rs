//! The scripting socket's protocol: one JSON request line in, one JSON response line out.
//!
//! Request: `{"lines":["show version","show tunnels"]}\n` (at most [`MAX_REQUEST_BYTES`]).
//! Response: `{"output":"…","success":true}\n`, then the server closes the connection.

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, BufReader};

/// The largest request line accepted, newline included.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;
/// The largest response line a client accepts, newline included.
pub const MAX_RESPONSE_BYTES: usize = 16 * 1024 * 1024;

/// Command lines to run, in order, as one non-interactive session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The CLI lines.
    pub lines: Vec<String>,
}

/// What the commands printed and whether all of them succeeded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The commands' output.
    pub output: String,
    /// False if any command failed (or the request was refused).
    pub success: bool,
}

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The peer closed the connection before a complete line.
    #[error("connection closed before a complete line ({received} bytes received)")]
    Truncated {
        /// Bytes received before the end.
        received: usize,
    },
    /// The line is longer than allowed.
    #[error("line longer than {limit} bytes")]
    TooLong {
        /// The limit.
        limit: usize,
    },
    /// The line is not the expected JSON.
    #[error("malformed JSON: {0}")]
    Json(#[from] serde_json::Error),
    /// Reading failed.
    #[error("read failed: {0}")]
    Io(#[from] std::io::Error),
}

/// Reads one newline-terminated JSON value of at most `limit` bytes.
pub async fn read_frame<T, R>(reader: R, limit: usize) -> Result<T, FrameError>
where
    T: for<'de> Deserialize<'de>,
    R: AsyncRead + Unpin,
{
    let mut line = Vec::new();
    let limit_u64 = u64::try_from(limit).unwrap_or(u64::MAX);
    BufReader::new(reader.take(limit_u64)).read_until(b'\n', &mut line).await?;
    if line.last() != Some(&b'\n') {
        return Err(if line.len() >= limit {
            FrameError::TooLong { limit }
        } else {
            FrameError::Truncated { received: line.len() }
        });
    }
    Ok(serde_json::from_slice(&line)?)
}

/// Encodes `value` as one JSON line.
pub fn encode_frame<T: Serialize>(value: &T) -> Result<Vec<u8>, serde_json::Error> {
    let mut bytes = serde_json::to_vec(value)?;
    bytes.push(b'\n');
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread().build().map(|rt| rt.block_on(f)).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_request_round_trips() -> Result<(), Box<dyn std::error::Error>> {
        let request = Request { lines: vec!["show version".into(), "say \"hi\"\n".into()] };
        let bytes = encode_frame(&request)?;
        assert_eq!(bytes.iter().filter(|&&b| b == b'\n').count(), 1, "one line on the wire");
        let back: Request = block_on(read_frame(&bytes[..], MAX_REQUEST_BYTES))?;
        assert_eq!(back, request);
        Ok(())
    }

    #[test]
    fn over_long_truncated_and_malformed_lines_are_errors() {
        let long = [b'a'; 100];
        let r: Result<Request, _> = block_on(read_frame(&long[..], 10));
        assert!(matches!(r, Err(FrameError::TooLong { limit: 10 })), "{r:?}");
        let r: Result<Request, _> = block_on(read_frame(&b"{\"lines\":[]"[..], 100));
        assert!(matches!(r, Err(FrameError::Truncated { received: 11 })), "{r:?}");
        let r: Result<Request, _> = block_on(read_frame(&b"{\"lines\":[1]}\n"[..], 100));
        assert!(matches!(r, Err(FrameError::Json(_))), "{r:?}");
        let r: Result<Request, _> = block_on(read_frame(&b"{\"lines\":[],\"x\":1}\n"[..], 100));
        assert!(matches!(r, Err(FrameError::Json(_))), "unknown fields are refused: {r:?}");
    }
}
