//! Certificates and keys an operator pastes in: checked, then kept in the state directory
//! under names derived from their public content, so no import overwrites another and an
//! older configuration revision still finds its files.

use crate::error::IdentityError;
use crate::pem::{check_pair, parse_chain, parse_key};
use crate::self_made::private_dir;
use crate::summary::{CertificateSummary, fingerprint, summarize};
use postern_durable_fs::write_atomically;
use rustls::pki_types::CertificateDer;
use std::path::{Path, PathBuf};

/// The directory imports are kept in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportDir {
    dir: PathBuf,
}

/// A stored certificate chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedCertificate {
    /// Where it is kept.
    pub path: PathBuf,
    /// Its leaf.
    pub summary: CertificateSummary,
    /// The chain, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
}

/// The first 16 hex digits of a colon-separated fingerprint, lower case.
pub(crate) fn short(fingerprint: &str) -> String {
    fingerprint.replace(':', "").to_lowercase().chars().take(16).collect()
}

impl ImportDir {
    /// Imports kept in `dir` (created, mode 0700, at the first import).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Checks a pasted chain and stores it as `<leaf sha-256>.crt` (mode 0600).
    pub fn store_certificate(&self, text: &str) -> Result<ImportedCertificate, IdentityError> {
        let chain = parse_chain(text)?;
        let leaf = chain
            .first()
            .ok_or_else(|| IdentityError::Pem { what: "the certificate", reason: "empty chain".into() })?;
        let summary = summarize(leaf)?;
        private_dir(&self.dir)?;
        let path = self.dir.join(format!("{}.crt", short(&summary.sha256)));
        write_atomically(&path, text.as_bytes(), 0o600)?;
        Ok(ImportedCertificate { path, summary, chain })
    }

    /// Checks a pasted key (and, given a chain, that it is the chain's key) and stores it
    /// as `<public key sha-256>.key` (mode 0600). Nothing is written when a check fails.
    pub fn store_key(&self, text: &str, chain: Option<&[CertificateDer<'static>]>) -> Result<PathBuf, IdentityError> {
        let key = parse_key(text)?;
        if let Some(chain) = chain {
            check_pair(chain, &key)?;
        }
        let signer =
            rustls::crypto::ring::sign::any_supported_type(&key).map_err(|e| IdentityError::Key(e.to_string()))?;
        let public =
            signer.public_key().ok_or_else(|| IdentityError::Key("its public half cannot be derived".into()))?;
        private_dir(&self.dir)?;
        let path = self.dir.join(format!("{}.key", short(&fingerprint(public.as_ref()))));
        write_atomically(&path, text.as_bytes(), 0o600)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::self_made::ensure_self_made;

    fn pair(dir: &Path) -> (String, String) {
        let made = ensure_self_made(dir, "edge1", &[]).expect("made");
        (std::fs::read_to_string(made.certificate).expect("cert"), std::fs::read_to_string(made.key).expect("key"))
    }

    #[test]
    fn a_matching_pair_is_stored_and_a_mismatched_key_is_refused_unwritten() {
        let dir = tempfile::tempdir().expect("temp dir");
        let (cert, key) = pair(&dir.path().join("a"));
        let (_, other_key) = pair(&dir.path().join("b"));
        let imports = ImportDir::new(dir.path().join("imported"));
        let stored = imports.store_certificate(&cert).expect("certificate");
        assert!(stored.path.exists());
        let error = imports.store_key(&other_key, Some(&stored.chain)).expect_err("mismatch");
        assert!(matches!(error, IdentityError::KeyMismatch { .. }), "{error}");
        assert_eq!(std::fs::read_dir(imports.path()).expect("dir").count(), 1, "the refused key was not written");
        let key_path = imports.store_key(&key, Some(&stored.chain)).expect("key");
        assert!(key_path.exists());
    }

    #[test]
    fn garbage_and_oversized_text_are_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let imports = ImportDir::new(dir.path().join("imported"));
        assert!(matches!(imports.store_certificate("hello"), Err(IdentityError::Pem { .. })));
        let bad = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(matches!(imports.store_certificate(bad), Err(IdentityError::Certificate { index: 1, .. })));
        assert!(matches!(imports.store_key("hello", None), Err(IdentityError::Pem { .. })));
        let huge = "A".repeat(PEM_MAX_PLUS);
        assert!(matches!(imports.store_certificate(&huge), Err(IdentityError::TooLarge { .. })));
        assert!(!imports.path().exists(), "nothing was written");
    }

    const PEM_MAX_PLUS: usize = crate::pem::PEM_MAX + 1;
}
