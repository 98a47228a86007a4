//! Writing a signed bundle from payload files (the maker's side; needs `std`).

use crate::error::BundleError;
use crate::header::sign_manifest;
use crate::keys::SigningKey;
use crate::manifest::{BundleInfo, Manifest, PayloadEntry};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// Why a bundle could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// A payload file could not be read.
    #[error("reading payload {}: {source}", .path.display())]
    Read {
        /// The payload file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The output could not be written.
    #[error("writing the bundle: {0}")]
    Write(#[source] std::io::Error),
    /// A payload file changed between hashing it and copying it.
    #[error("payload {} changed while the bundle was written", .path.display())]
    Changed {
        /// The payload file.
        path: PathBuf,
    },
    /// The manifest could not be made (bounds, names).
    #[error(transparent)]
    Manifest(#[from] BundleError),
}

/// Writes a bundle of `payloads` (name, file) described by `info`, signed by `key`, to `out`.
///
/// Each file is read twice: once to hash it for the manifest, once to copy it.
pub fn write_bundle(
    info: &BundleInfo,
    payloads: &[(&str, &Path)],
    key: &SigningKey,
    out: &mut dyn Write,
) -> Result<Manifest, WriteError> {
    let mut entries = Vec::with_capacity(payloads.len());
    for (name, path) in payloads {
        let mut hasher = Sha256::new();
        let length = stream(path, |chunk| {
            hasher.update(chunk);
            Ok(())
        })?;
        entries.push(PayloadEntry::new(*name, length, hasher.finalize().into()));
    }
    let header = sign_manifest(info, entries, key)?;
    out.write_all(&header.bytes).map_err(WriteError::Write)?;
    for ((_, path), entry) in payloads.iter().zip(&header.manifest.payloads) {
        let mut hasher = Sha256::new();
        let length = stream(path, |chunk| {
            hasher.update(chunk);
            out.write_all(chunk)
        })?;
        let sha256: [u8; 32] = hasher.finalize().into();
        if length != entry.length || sha256 != entry.sha256 {
            return Err(WriteError::Changed { path: path.to_path_buf() });
        }
    }
    out.flush().map_err(WriteError::Write)?;
    Ok(header.manifest)
}

/// Reads `path` in chunks, handing each to `each`; returns its length.
fn stream(path: &Path, mut each: impl FnMut(&[u8]) -> std::io::Result<()>) -> Result<u64, WriteError> {
    let read_error = |source| WriteError::Read { path: path.to_path_buf(), source };
    let mut file = std::fs::File::open(path).map_err(read_error)?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut length = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(read_error)?;
        let Some(chunk) = buffer.get(..n).filter(|c| !c.is_empty()) else {
            return Ok(length);
        };
        each(chunk).map_err(WriteError::Write)?;
        length += n as u64;
    }
}
