//! Reading a written bundle back through the verifier, as the appliance will, and showing it.

use crate::image::sha256_file;
use crate::shell::{Result, StepError};
use postern_update_bundle::{BundleReader, PublicKey, TrustedKeys, Verified};
use std::io::Read;
use std::path::Path;

/// Verifies the bundle at `path` against `key` alone, streaming it as the update agent does.
pub(super) fn verify_file(path: &Path, key: &PublicKey) -> Result<Verified> {
    let fail = |what: String| StepError(format!("{}: {what}", path.display()));
    let mut trusted = TrustedKeys::new();
    trusted.insert(key.clone()).map_err(|e| fail(e.to_string()))?;
    let mut file = std::fs::File::open(path).map_err(|e| fail(e.to_string()))?;
    let size = file.metadata().map_err(|e| fail(e.to_string()))?.len();
    let mut reader = BundleReader::new(&trusted).with_input_len(size);
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buffer).map_err(|e| fail(e.to_string()))?;
        let Some(mut chunk) = buffer.get(..n).filter(|c| !c.is_empty()) else {
            break;
        };
        loop {
            let step = reader.feed(chunk).map_err(|e| fail(e.to_string()))?;
            chunk = chunk.get(step.consumed..).unwrap_or_default();
            if step.event.is_none() {
                break;
            }
        }
    }
    reader.finish().map_err(|e| fail(e.to_string()))
}

/// Prints what a verified bundle holds.
pub(super) fn show(path: &Path, verified: &Verified) -> Result {
    let manifest = &verified.manifest;
    println!("bundle   {}", path.display());
    println!("sha256   {}", sha256_file(path)?);
    println!("bytes    {}", verified.bundle_len);
    println!("version  {} ({})", manifest.version, manifest.version_string);
    println!("board    {}", manifest.board);
    println!("valid    unix {} to {}", manifest.created_unix, manifest.expires_unix);
    println!("key id   {}", manifest.key_id);
    for payload in &manifest.payloads {
        let sha256: String = payload.sha256.iter().map(|b| format!("{b:02x}")).collect();
        println!("payload  {:<16} {:>12} bytes  sha256 {sha256}", payload.name, payload.length);
    }
    Ok(())
}
