//! The request target: byte checks, the ActiveSync path, and where the query starts.

use crate::{
    error::ParseError,
    limits::{ACTIVESYNC_PATH, MAX_QUERY_LEN},
};

/// Longest accepted target: the path, an optional trailing `/`, `?` and the query.
pub(crate) const MAX_TARGET_LEN: usize = ACTIVESYNC_PATH.len() + 2 + MAX_QUERY_LEN;

/// Splits `target` into its query (if it has a `?`) and the query's offset in `target`.
pub(crate) fn split(target: &[u8]) -> Result<(Option<&[u8]>, usize), ParseError> {
    if target.len() > MAX_TARGET_LEN {
        return Err(ParseError::TargetTooLong { len: target.len(), max: MAX_TARGET_LEN });
    }
    // A branch-free pass first (it vectorises); locate the culprit only on failure.
    if target.iter().fold(false, |bad, &b| bad | !allowed(b)) {
        let offset = target.iter().position(|&b| !allowed(b)).unwrap_or(0);
        let byte = target.get(offset).copied().unwrap_or(0);
        return Err(ParseError::InvalidTargetByte { byte, offset });
    }
    let (path, query) = match target.iter().position(|&b| b == b'?') {
        Some(q) => (&target[..q], Some(&target[q + 1..])),
        None => (target, None),
    };
    check_path(path)?;
    Ok((query, path.len() + 1))
}

/// Visible ASCII except `#`, which would start a fragment.
fn allowed(b: u8) -> bool {
    (b.wrapping_sub(0x21) <= 0x7e - 0x21) & (b != b'#')
}

/// The path must be `/Microsoft-Server-ActiveSync`, in any letter case, with at most
/// one trailing `/`.
fn check_path(path: &[u8]) -> Result<(), ParseError> {
    let expected = ACTIVESYNC_PATH.as_bytes();
    let base = path.get(..expected.len()).unwrap_or(path);
    if let Some(offset) = base.iter().zip(expected).position(|(a, b)| !a.eq_ignore_ascii_case(b)) {
        return Err(ParseError::WrongPath { offset });
    }
    match path.get(expected.len()..) {
        Some([]) | Some([b'/']) => Ok(()),
        Some([b'/', ..]) => Err(ParseError::WrongPath { offset: expected.len() + 1 }),
        Some(_) | None => Err(ParseError::WrongPath { offset: base.len().min(expected.len()) }),
    }
}
