//! Trust anchors and secrets an operator pastes in for the settings that name files (the
//! back end's CA, the AppTunnel client CA, the UEM's CA, the UEM credentials, a Graph client
//! secret): checked, then kept beside the imported certificates under names derived from
//! their content, mode 0600.

use crate::error::IdentityError;
use crate::imported::{ImportDir, short};
use crate::pem::parse_chain;
use crate::self_made::private_dir;
use crate::summary::{CertificateSummary, fingerprint, summarize};
use postern_durable_fs::write_atomically;
use std::path::{Path, PathBuf};

/// The longest secret accepted (a bearer token or an OAuth client secret).
pub const SECRET_MAX: usize = 4096;

/// A stored bundle of trusted certificates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedAuthorities {
    /// Where it is kept.
    pub path: PathBuf,
    /// Each certificate, in the order given.
    pub certificates: Vec<CertificateSummary>,
}

/// What a file a setting names holds, for `show running-config`: fingerprints, never secrets.
pub fn describe_authorities(path: &Path) -> Result<Vec<CertificateSummary>, IdentityError> {
    let text = std::fs::read_to_string(path).map_err(|source| IdentityError::Read { path: path.to_owned(), source })?;
    parse_chain(&text)?.iter().map(summarize).collect()
}

impl ImportDir {
    /// Checks pasted trusted certificates (one or more PEM blocks) and stores them as
    /// `<sha-256 of the whole bundle>-ca.pem`.
    pub fn store_authorities(&self, text: &str) -> Result<ImportedAuthorities, IdentityError> {
        let chain = parse_chain(text)?;
        let certificates = chain.iter().map(summarize).collect::<Result<Vec<_>, _>>()?;
        let all: Vec<u8> = chain.iter().flat_map(|c| c.as_ref().iter().copied()).collect();
        private_dir(self.path())?;
        let path = self.path().join(format!("{}-ca.pem", short(&fingerprint(&all))));
        write_atomically(&path, text.as_bytes(), 0o600)?;
        Ok(ImportedAuthorities { path, certificates })
    }

    /// Checks a pasted secret (one line of printable ASCII, surrounding blanks dropped) and
    /// stores it as `<sha-256>.secret`.
    pub fn store_secret(&self, text: &str) -> Result<PathBuf, IdentityError> {
        let secret = text.trim();
        let refuse = |reason: &str| IdentityError::Pem { what: "the secret", reason: reason.to_owned() };
        if secret.len() > SECRET_MAX {
            return Err(IdentityError::TooLarge { what: "the secret", len: secret.len(), limit: SECRET_MAX });
        }
        if secret.is_empty() {
            return Err(refuse("it is empty"));
        }
        if !secret.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(refuse("it must be one line of printable ASCII without spaces"));
        }
        private_dir(self.path())?;
        let path = self.path().join(format!("{}.secret", short(&fingerprint(secret.as_bytes()))));
        write_atomically(&path, format!("{secret}\n").as_bytes(), 0o600)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::self_made::ensure_self_made;

    #[test]
    fn trusted_certificates_are_stored_and_described_and_garbage_is_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let one = ensure_self_made(&dir.path().join("a"), "one", &[]).expect("made");
        let two = ensure_self_made(&dir.path().join("b"), "two", &[]).expect("made");
        let bundle = std::fs::read_to_string(one.certificate).expect("pem")
            + &std::fs::read_to_string(two.certificate).expect("pem");
        let imports = ImportDir::new(dir.path().join("imported"));
        let stored = imports.store_authorities(&bundle).expect("stored");
        assert_eq!(stored.certificates.len(), 2);
        assert_eq!(describe_authorities(&stored.path).expect("described"), stored.certificates);
        assert!(imports.store_authorities("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n").is_err());
        assert_eq!(std::fs::read_dir(imports.path()).expect("dir").count(), 1, "the refused text was not written");
    }

    #[test]
    fn a_secret_is_one_printable_line() {
        let dir = tempfile::tempdir().expect("dir");
        let imports = ImportDir::new(dir.path().join("imported"));
        let path = imports.store_secret("  s3cr3t-token_value\n").expect("stored");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "s3cr3t-token_value\n");
        for bad in ["", "two words", "line\nbreak", "caf\u{e9}"] {
            assert!(imports.store_secret(bad).is_err(), "{bad:?}");
        }
        assert!(matches!(imports.store_secret(&"x".repeat(SECRET_MAX + 1)), Err(IdentityError::TooLarge { .. })));
    }
}
