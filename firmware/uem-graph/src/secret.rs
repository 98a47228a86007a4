//! Reading the client secret from its file.

use crate::setup_error::GraphSetupError;
use std::io::Read;
use std::path::Path;

/// Longest client secret accepted, in bytes.
const SECRET_MAX: usize = 1_024;

/// The secret in `path`: one line of text, surrounding white space removed.
pub(crate) fn read_secret(path: &Path) -> Result<String, GraphSetupError> {
    let io = |source| GraphSetupError::Read { what: "the client secret file", path: path.to_owned(), source };
    let bad = |reason| GraphSetupError::BadSecret { path: path.to_owned(), reason };
    let mut text = String::new();
    std::fs::File::open(path).map_err(io)?.take(SECRET_MAX as u64 + 1).read_to_string(&mut text).map_err(io)?;
    if text.len() > SECRET_MAX {
        return Err(bad("it is longer than 1 024 bytes"));
    }
    let secret = text.trim();
    if secret.is_empty() {
        return Err(bad("it is empty"));
    }
    if secret.chars().any(char::is_control) {
        return Err(bad("it is more than one line of text"));
    }
    Ok(secret.to_owned())
}
