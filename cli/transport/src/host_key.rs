//! The SSH host key: an ed25519 key created once in the state directory (mode 0600) and reused.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use russh::keys::ssh_key::LineEnding;
use russh::keys::ssh_key::private::{Ed25519Keypair, KeypairData};
use russh::keys::{HashAlg, PrivateKey};

use crate::error::TransportError;

/// The host key's file name inside the state directory.
pub const HOST_KEY_FILE: &str = "ssh_host_ed25519_key";

/// Loads the host key from `dir`, creating the directory (0700) and the key (0600) on first use.
pub fn load_or_create_host_key(dir: &Path) -> Result<PrivateKey, TransportError> {
    let path = dir.join(HOST_KEY_FILE);
    match fs::read(&path) {
        Ok(pem) => return parse(&path, &pem),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(TransportError::io("reading SSH host key", path, e)),
    }
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| TransportError::io("creating state directory", dir, e))?;
    let key = generate(&path)?;
    let pem = key.to_openssh(LineEnding::LF).map_err(|e| host_key_error(&path, e))?;
    // create_new: never overwrite a key another process wrote meanwhile, never follow a link.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| TransportError::io("creating SSH host key", &path, e))?;
    file.write_all(pem.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| TransportError::io("writing SSH host key", &path, e))?;
    tracing::info!(path = %path.display(), fingerprint = %fingerprint(&key), "created SSH host key");
    Ok(key)
}

/// The key's SHA-256 fingerprint as OpenSSH prints it (`SHA256:…`).
pub fn fingerprint(key: &PrivateKey) -> String {
    key.public_key().fingerprint(HashAlg::Sha256).to_string()
}

fn parse(path: &Path, pem: &[u8]) -> Result<PrivateKey, TransportError> {
    PrivateKey::from_openssh(pem).map_err(|e| host_key_error(path, e))
}

fn generate(path: &Path) -> Result<PrivateKey, TransportError> {
    let mut seed = [0u8; 32];
    let random = PathBuf::from("/dev/urandom");
    fs::File::open(&random)
        .and_then(|mut f| f.read_exact(&mut seed))
        .map_err(|e| TransportError::io("reading randomness", random, e))?;
    let keypair = KeypairData::Ed25519(Ed25519Keypair::from_seed(&seed));
    seed.fill(0);
    PrivateKey::new(keypair, "postern host key").map_err(|e| host_key_error(path, e))
}

fn host_key_error(path: &Path, e: impl std::fmt::Display) -> TransportError {
    TransportError::HostKey { path: path.to_path_buf(), reason: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn created_once_with_mode_0600_then_reused() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let state = dir.path().join("state");
        let first = load_or_create_host_key(&state)?;
        let mode = fs::metadata(state.join(HOST_KEY_FILE))?.permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let second = load_or_create_host_key(&state)?;
        assert_eq!(fingerprint(&first), fingerprint(&second));
        let other = load_or_create_host_key(&dir.path().join("other"))?;
        assert_ne!(fingerprint(&first), fingerprint(&other));
        Ok(())
    }

    #[test]
    fn a_corrupt_key_file_is_an_error_not_a_new_key() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        fs::write(dir.path().join(HOST_KEY_FILE), b"not a key")?;
        let result = load_or_create_host_key(dir.path());
        assert!(matches!(result, Err(TransportError::HostKey { .. })), "{result:?}");
        Ok(())
    }
}
