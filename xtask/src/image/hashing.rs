//! sha256 of files, as lower-case hex.

use crate::shell::{Result, StepError};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// The sha256 of a file's contents, lower-case hex.
pub(crate) fn sha256_file(path: &Path) -> Result<String> {
    Ok(hex(&sha256_digest(path)?))
}

/// The sha256 of a file's contents, read in 64 KiB pieces.
pub(crate) fn sha256_digest(path: &Path) -> Result<[u8; 32]> {
    let mut file = std::fs::File::open(path).map_err(|e| StepError(format!("reading {}: {e}", path.display())))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(|e| StepError(format!("reading {}: {e}", path.display())))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher.finalize().into())
}

/// Lower-case hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
