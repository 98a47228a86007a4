//! The access profile as the gateway keeps it (A1): validated whole before it is applied,
//! never replaced by an older revision, kept under the state directory (mode 0600 in a
//! 0700 directory: it holds private keys) and loaded at start, with the sync's history
//! for `show accs`.

use postern_access_profile::{Profile, Succession};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// What is kept on disk.
#[derive(Serialize, Deserialize)]
struct Kept {
    /// The portal's ETag of it, sent back as `If-None-Match`.
    etag: Option<String>,
    /// When it was applied, Unix seconds.
    applied_at: u64,
    profile: Profile,
}

struct InUse {
    profile: Arc<Profile>,
    etag: Option<String>,
    applied_at: u64,
}

/// One fetch and its result.
struct Attempt {
    at: u64,
    url: String,
    outcome: Result<String, String>,
}

/// The profile in use and the sync's history.
pub(crate) struct AccsStore {
    dir: PathBuf,
    in_use: Mutex<Option<InUse>>,
    last_attempt: Mutex<Option<Attempt>>,
    last_success: Mutex<Option<u64>>,
    clock: fn() -> u64,
}

impl AccsStore {
    /// Opens the store in `dir`, taking the kept profile into use if it is still valid.
    pub(crate) fn open(dir: &Path, clock: fn() -> u64) -> Self {
        let path = dir.join("profile.json");
        let in_use = match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "access profile unreadable: none in use");
                None
            }
            Ok(bytes) => match restore(&bytes) {
                Ok(kept) => {
                    tracing::info!(revision = kept.profile.revision, tenant = %kept.profile.tenant, "access profile restored");
                    Some(kept)
                }
                Err(reason) => {
                    tracing::error!(path = %path.display(), %reason, "kept access profile refused: none in use");
                    None
                }
            },
        };
        Self {
            dir: dir.to_owned(),
            in_use: Mutex::new(in_use),
            last_attempt: Mutex::new(None),
            last_success: Mutex::new(None),
            clock,
        }
    }

    /// The profile in use.
    pub(crate) fn current(&self) -> Option<Arc<Profile>> {
        self.in_use.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|u| u.profile.clone())
    }

    /// The ETag of the profile in use, for `If-None-Match`.
    pub(crate) fn etag(&self) -> Option<String> {
        self.in_use.lock().unwrap_or_else(PoisonError::into_inner).as_ref().and_then(|u| u.etag.clone())
    }

    /// The revision in use.
    pub(crate) fn revision(&self) -> Option<u64> {
        self.in_use.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|u| u.profile.revision)
    }

    /// Validates a fetched profile and applies it whole, or refuses it and keeps the one
    /// in use; says what happened.
    pub(crate) fn offer(&self, bytes: &[u8], etag: Option<String>) -> Result<String, String> {
        let profile = postern_access_profile::parse(bytes).map_err(|e| format!("profile refused: {e}"))?;
        profile.validate().map_err(|e| format!("profile revision {} refused: {e}", profile.revision))?;
        let mut in_use = self.in_use.lock().unwrap_or_else(PoisonError::into_inner);
        let held = in_use.as_ref().map(|u| u.profile.revision);
        match profile.succession(held) {
            Succession::Same => {
                return Ok(format!("Profile revision {} is already in use; nothing changed.", profile.revision));
            }
            Succession::Older => {
                return Err(format!(
                    "profile revision {} refused: it is older than revision {} in use",
                    profile.revision,
                    held.unwrap_or_default()
                ));
            }
            Succession::Newer => {}
        }
        let applied_at = (self.clock)();
        let kept = Kept { etag, applied_at, profile };
        self.save(&kept)
            .map_err(|reason| format!("profile revision {} not applied: {reason}", kept.profile.revision))?;
        let done = format!(
            "Profile revision {} of tenant {} applied: {} pairings, {} rules.",
            kept.profile.revision,
            kept.profile.tenant,
            kept.profile.pairings.len(),
            kept.profile.rules.len()
        );
        tracing::info!(
            revision = kept.profile.revision,
            tenant = %kept.profile.tenant,
            pairings = kept.profile.pairings.len(),
            rules = kept.profile.rules.len(),
            "access profile applied"
        );
        *in_use = Some(InUse { profile: Arc::new(kept.profile), etag: kept.etag, applied_at });
        Ok(done)
    }

    fn save(&self, kept: &Kept) -> Result<(), String> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|e| format!("creating {}: {e}", self.dir.display()))?;
        let bytes = serde_json::to_vec(kept).map_err(|e| e.to_string())?;
        postern_durable_fs::write_atomically(&self.dir.join("profile.json"), &bytes, 0o600).map_err(|e| e.to_string())
    }

    /// Records a fetch from `url` and its result.
    pub(crate) fn record(&self, url: &str, outcome: Result<String, String>) {
        let at = (self.clock)();
        if outcome.is_ok() {
            *self.last_success.lock().unwrap_or_else(PoisonError::into_inner) = Some(at);
        }
        *self.last_attempt.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Attempt { at, url: url.to_owned(), outcome });
    }

    /// The sync's part of `show accs`.
    pub(crate) fn render(&self) -> String {
        let now = (self.clock)();
        let when = |at: u64| postern_logging::human_time(at, now);
        let mut out = String::new();
        match self.last_attempt.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            Some(a) => {
                let _ = match &a.outcome {
                    Ok(what) => writeln!(out, "Last attempt: {} from {}: {what}", when(a.at), a.url),
                    Err(why) => writeln!(out, "Last attempt: {} from {} FAILED: {why}", when(a.at), a.url),
                };
            }
            None => out.push_str("Last attempt: none since start\n"),
        }
        match *self.last_success.lock().unwrap_or_else(PoisonError::into_inner) {
            Some(at) => {
                let _ = writeln!(out, "Last success: {}", when(at));
            }
            None => out.push_str("Last success: none since start\n"),
        }
        let in_use = self.in_use.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(u) = in_use.as_ref() else {
            out.push_str("Profile: none\n");
            return out;
        };
        let s = u.profile.summary();
        let _ = writeln!(out, "Profile: revision {}, tenant {}, applied {}", s.revision, s.tenant, when(u.applied_at));
        let _ = writeln!(out, "  Listener TLS certificate SHA-256 {}", s.listener_tls_sha256);
        let _ = writeln!(out, "  SAML signing certificate SHA-256 {}", s.saml_signing_sha256);
        let _ = writeln!(out, "Pairings: {}", s.pairings.len());
        for p in &s.pairings {
            let _ = writeln!(
                out,
                "  {}  sp {}  idp {}  revocation {}",
                p.name, p.service_provider, p.identity_provider, p.revocation
            );
        }
        let _ = writeln!(out, "Rules: {} (the first that matches decides)", s.rules.len());
        for r in &s.rules {
            let _ = writeln!(out, "  {}  {}  {}", r.name, r.action, r.conditions);
        }
        out
    }
}

fn restore(bytes: &[u8]) -> Result<InUse, String> {
    let kept: Kept = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
    kept.profile.validate().map_err(|e| e.to_string())?;
    Ok(InUse { profile: Arc::new(kept.profile), etag: kept.etag, applied_at: kept.applied_at })
}

#[cfg(test)]
mod tests {
    use super::*;
    use postern_access_profile::CertifiedKeyPem;
    use std::os::unix::fs::PermissionsExt;

    fn certified() -> CertifiedKeyPem {
        let key = rcgen::KeyPair::generate().unwrap_or_else(|e| panic!("key: {e}"));
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap_or_else(|e| panic!("{e}"));
        let cert = params.self_signed(&key).unwrap_or_else(|e| panic!("cert: {e}"));
        CertifiedKeyPem { certificate_chain_pem: cert.pem(), private_key_pem: key.serialize_pem() }
    }

    fn profile(revision: u64) -> Vec<u8> {
        let p = Profile {
            revision,
            tenant: "acme".into(),
            pairings: Vec::new(),
            rules: Vec::new(),
            listener_tls: certified(),
            saml_signing: certified(),
        };
        serde_json::to_vec(&p).unwrap_or_default()
    }

    #[test]
    fn revisions_only_go_forward_and_the_kept_profile_survives_a_reopen() {
        let Ok(dir) = tempfile::tempdir() else { panic!("tempdir") };
        let at = dir.path().join("accs");
        let store = AccsStore::open(&at, || 1_000);
        assert!(store.offer(&profile(2), Some("\"r2\"".into())).is_ok_and(|s| s.contains("revision 2")));
        let older = store.offer(&profile(1), None);
        assert!(older.as_ref().is_err_and(|e| e.contains("older than revision 2")), "{older:?}");
        assert!(store.offer(&profile(2), None).is_ok_and(|s| s.contains("already in use")));
        let mut broken = profile(3);
        broken.truncate(broken.len() / 2);
        assert!(store.offer(&broken, None).is_err());
        assert_eq!(store.revision(), Some(2));

        let mode = |p: &Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777).unwrap_or(0);
        assert_eq!((mode(&at), mode(&at.join("profile.json"))), (0o700, 0o600));
        let reopened = AccsStore::open(&at, || 2_000);
        assert_eq!((reopened.revision(), reopened.etag().as_deref()), (Some(2), Some("\"r2\"")));
    }
}
