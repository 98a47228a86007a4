//! Encoding and decoding of API bodies, with typed errors.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Why a body could not be decoded or encoded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WireError {
    /// The body is longer than the reader accepts.
    #[error("body of {len} bytes is larger than the {max} bytes allowed")]
    TooLarge {
        /// Its length.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The body is not JSON.
    #[error("body is not JSON (line {line}, column {column}): {source}")]
    Syntax {
        /// Line of the fault.
        line: usize,
        /// Column of the fault.
        column: usize,
        /// The parser's account.
        #[source]
        source: serde_json::Error,
    },
    /// The body ends before the JSON does.
    #[error("body ends in the middle of the JSON: {0}")]
    Truncated(#[source] serde_json::Error),
    /// The JSON does not fit the type: a missing field, a wrong type, an unknown enum
    /// value, an id or string out of bounds, or a list over its maximum.
    #[error("body does not fit `{target}` (line {line}, column {column}): {source}")]
    Invalid {
        /// The type being decoded.
        target: &'static str,
        /// Line of the fault.
        line: usize,
        /// Column of the fault.
        column: usize,
        /// The decoder's account (names the field or value).
        #[source]
        source: serde_json::Error,
    },
    /// A value could not be written as JSON.
    #[error("cannot encode `{target}` as JSON: {source}")]
    Encode {
        /// The type being encoded.
        target: &'static str,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// Decodes one API body of at most `max` bytes.
pub fn decode<T: DeserializeOwned>(body: &[u8], max: usize) -> Result<T, WireError> {
    if body.len() > max {
        return Err(WireError::TooLarge { len: body.len(), max });
    }
    serde_json::from_slice(body).map_err(|source| {
        let (line, column) = (source.line(), source.column());
        match source.classify() {
            serde_json::error::Category::Eof => WireError::Truncated(source),
            serde_json::error::Category::Syntax | serde_json::error::Category::Io => {
                WireError::Syntax { line, column, source }
            }
            serde_json::error::Category::Data => WireError::Invalid { target: short_name::<T>(), line, column, source },
        }
    })
}

/// Encodes one API body.
pub fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, WireError> {
    serde_json::to_vec(value).map_err(|source| WireError::Encode { target: short_name::<T>(), source })
}

fn short_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}
