//! The identity a gateway makes for itself on first boot: an ECDSA P-256 key and a
//! self-signed certificate in its state directory, kept across restarts.

use crate::error::IdentityError;
use crate::pem::check_files;
use crate::summary::fingerprint;
use postern_durable_fs::{move_aside, write_atomically};
use std::net::IpAddr;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

/// The self-made certificate's file name in its directory.
pub const SELF_CERTIFICATE: &str = "self.crt";
/// The self-made key's file name in its directory (mode 0600).
pub const SELF_KEY: &str = "self.key";
/// How long a self-made certificate is valid.
const VALIDITY_DAYS: i64 = 3650;

/// The gateway's own certificate and key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfMade {
    /// The certificate file.
    pub certificate: PathBuf,
    /// The key file.
    pub key: PathBuf,
    /// Whether it was made just now (false: it was there from an earlier start).
    pub created: bool,
    /// The certificate's SHA-256 fingerprint.
    pub sha256: String,
}

/// Creates `dir` (mode 0700) if it is missing.
pub(crate) fn private_dir(dir: &Path) -> Result<(), IdentityError> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| IdentityError::Directory { path: dir.to_owned(), source })
}

/// The self-made identity in `dir`, made now if there is none: subject CN `hostname`,
/// alternative names `hostname` and `addresses`, valid from a day ago for ten years. A
/// damaged or mismatched pair is moved aside (`*.corrupt-N`) and a new one made.
pub fn ensure_self_made(dir: &Path, hostname: &str, addresses: &[IpAddr]) -> Result<SelfMade, IdentityError> {
    private_dir(dir)?;
    let certificate = dir.join(SELF_CERTIFICATE);
    let key = dir.join(SELF_KEY);
    if certificate.exists() || key.exists() {
        match check_files(&certificate, &key) {
            Ok(chain) => {
                let sha256 = chain.first().map(|c| fingerprint(c.as_ref())).unwrap_or_default();
                return Ok(SelfMade { certificate, key, created: false, sha256 });
            }
            Err(error) => {
                tracing::error!(%error, dir = %dir.display(), "the self-made TLS identity is damaged: moved aside, a new one is made");
                for path in [&certificate, &key] {
                    if path.exists() {
                        move_aside(path)?;
                    }
                }
            }
        }
    }
    let (cert_pem, key_pem, der) = generate(hostname, addresses)?;
    // The key first: a certificate never names a key that is not on disk.
    write_atomically(&key, key_pem.as_bytes(), 0o600)?;
    write_atomically(&certificate, cert_pem.as_bytes(), 0o600)?;
    Ok(SelfMade { certificate, key, created: true, sha256: fingerprint(&der) })
}

/// A new P-256 key and its self-signed certificate: (certificate PEM, key PEM, certificate DER).
fn generate(hostname: &str, addresses: &[IpAddr]) -> Result<(String, String, Vec<u8>), IdentityError> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?;
    let mut names = vec![hostname.to_owned()];
    names.extend(addresses.iter().map(IpAddr::to_string));
    let mut params = rcgen::CertificateParams::new(names)?;
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(rcgen::DnType::CommonName, hostname);
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(VALIDITY_DAYS);
    params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ServerAuth];
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem(), cert.der().to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::summary::summarize;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn made_once_kept_after_and_unique_per_directory() {
        let one = tempfile::tempdir().expect("temp dir");
        let two = tempfile::tempdir().expect("temp dir");
        let addresses = ["192.0.2.10".parse().expect("ip")];
        let first = ensure_self_made(&one.path().join("tls"), "edge1", &addresses).expect("made");
        assert!(first.created);
        let again = ensure_self_made(&one.path().join("tls"), "edge1", &addresses).expect("kept");
        assert!(!again.created);
        assert_eq!(first.sha256, again.sha256);
        let other = ensure_self_made(&two.path().join("tls"), "edge1", &addresses).expect("made");
        assert_ne!(first.sha256, other.sha256);
        let mode = std::fs::metadata(&first.key).expect("key").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let chain = crate::pem::read_chain(&first.certificate).expect("chain");
        let summary = summarize(&chain[0]).expect("summary");
        assert_eq!(summary.subject, "CN=edge1");
        assert_eq!(summary.names, ["DNS:edge1", "IP:192.0.2.10"]);
    }

    #[test]
    fn a_damaged_pair_is_moved_aside_and_replaced() {
        let dir = tempfile::tempdir().expect("temp dir");
        let tls = dir.path().join("tls");
        let first = ensure_self_made(&tls, "edge1", &[]).expect("made");
        std::fs::write(&first.key, "garbage").expect("damage");
        let second = ensure_self_made(&tls, "edge1", &[]).expect("remade");
        assert!(second.created);
        assert_ne!(first.sha256, second.sha256);
        assert!(tls.join("self.key.corrupt-1").exists());
    }
}
