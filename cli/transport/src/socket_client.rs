//! The client side of the scripting socket (used by the `postern` command).

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::socket_protocol::{MAX_RESPONSE_BYTES, Request, Response, encode_frame};

/// Why a request could not be completed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The socket could not be reached.
    #[error("cannot connect to {path}: {source}")]
    Connect {
        /// The socket path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The exchange failed midway.
    #[error("talking to {path}: {source}")]
    Io {
        /// The socket path.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The server's answer was not a valid response.
    #[error("bad response from {path}: {reason}")]
    Protocol {
        /// The socket path.
        path: PathBuf,
        /// What was wrong.
        reason: String,
    },
}

/// Sends `lines` to the CLI socket at `path` and waits (at most `timeout` per read or write)
/// for the response.
pub fn run_lines(path: &Path, lines: Vec<String>, timeout: Duration) -> Result<Response, ClientError> {
    let io = |source| ClientError::Io { path: path.into(), source };
    let protocol = |reason: String| ClientError::Protocol { path: path.into(), reason };
    let mut stream = UnixStream::connect(path).map_err(|source| ClientError::Connect { path: path.into(), source })?;
    stream.set_read_timeout(Some(timeout)).map_err(io)?;
    stream.set_write_timeout(Some(timeout)).map_err(io)?;
    let request = encode_frame(&Request { lines }).map_err(|e| protocol(e.to_string()))?;
    stream.write_all(&request).map_err(io)?;
    let mut reply = Vec::new();
    let limit = u64::try_from(MAX_RESPONSE_BYTES).unwrap_or(u64::MAX);
    stream.take(limit).read_to_end(&mut reply).map_err(io)?;
    if reply.last() != Some(&b'\n') {
        return Err(protocol(format!("incomplete response ({} bytes)", reply.len())));
    }
    serde_json::from_slice(&reply).map_err(|e| protocol(e.to_string()))
}

/// Splits command arguments into CLI lines: each argument may hold several lines separated by
/// `;` or newlines; blank lines are dropped.
pub fn split_lines<'a>(args: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    args.into_iter()
        .flat_map(|arg| arg.split([';', '\n']))
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::split_lines;

    #[test]
    fn semicolons_newlines_and_repeats_all_separate_lines() {
        assert_eq!(split_lines(["show version"]), ["show version"]);
        assert_eq!(
            split_lines(["configure terminal; hostname gw ;end", "show version\n"]),
            ["configure terminal", "hostname gw", "end", "show version"]
        );
        assert!(split_lines([" ; ;", ""]).is_empty());
    }
}
