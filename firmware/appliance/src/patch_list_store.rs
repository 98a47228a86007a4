//! The Host Checker's patch list as the gateway keeps it: imported by hand or fetched,
//! SHA-256 checked, never replaced by an older version, kept in the state directory
//! across restarts, and its status for `show host-checker patch-list`.

use postern_host_checker::{PatchList, PatchListError};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// Why a patch list was not taken into use.
#[derive(Debug, thiserror::Error)]
pub(crate) enum PatchImportError {
    /// The digest given is not 64 hex digits.
    #[error("the SHA-256 {0:?} is not 64 hex digits")]
    BadDigest(String),
    /// The text does not hash to the digest given.
    #[error(
        "the document's SHA-256 is {actual}, not {expected} (a pasted list arrives with white space \
         removed from both ends of every line)"
    )]
    DigestMismatch { expected: String, actual: String },
    /// Not a valid document.
    #[error(transparent)]
    Document(#[from] PatchListError),
    /// An older version than the one in use.
    #[error("version {offered} is older than version {kept} in use")]
    Older { offered: u64, kept: u64 },
    /// The version in use, with other content.
    #[error("version {0} is already in use with other content; a changed list needs a new version")]
    SameVersion(u64),
    /// It could not be kept on disk.
    #[error("keeping it in {path}: {reason}")]
    Store { path: PathBuf, reason: String },
}

/// What is kept on disk: the document and where it came from, in one file written
/// atomically.
#[derive(Serialize, Deserialize)]
struct Kept {
    sha256: String,
    source: String,
    imported_at: u64,
    document: String,
}

struct InUse {
    list: Arc<PatchList>,
    sha256: String,
    source: String,
    imported_at: u64,
}

/// The result of the last fetch from the staging URL.
struct Fetched {
    at: u64,
    url: String,
    outcome: Result<String, String>,
}

/// The patch list in use and its history.
pub(crate) struct PatchListStore {
    path: PathBuf,
    in_use: Mutex<Option<InUse>>,
    last_fetch: Mutex<Option<Fetched>>,
    generation: AtomicU64,
    clock: fn() -> u64,
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

impl PatchListStore {
    /// Opens the store in `dir`, taking the kept list into use if it is intact.
    pub(crate) fn open(dir: &Path, clock: fn() -> u64) -> Self {
        let path = dir.join("patch-list.json");
        let in_use = match std::fs::read(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::error!(path = %path.display(), error = %e, "patch list unreadable: none in use");
                None
            }
            Ok(bytes) => match Self::restore(&bytes) {
                Ok(kept) => {
                    tracing::info!(version = kept.list.version, source = %kept.source, "patch list restored");
                    Some(kept)
                }
                Err(reason) => {
                    tracing::error!(path = %path.display(), %reason, "kept patch list refused: none in use");
                    None
                }
            },
        };
        Self { path, in_use: Mutex::new(in_use), last_fetch: Mutex::new(None), generation: AtomicU64::new(0), clock }
    }

    fn restore(bytes: &[u8]) -> Result<InUse, String> {
        let kept: Kept = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        let actual = sha256_hex(kept.document.as_bytes());
        if actual != kept.sha256 {
            return Err(format!("its SHA-256 is {actual}, not the {} recorded", kept.sha256));
        }
        let list = PatchList::from_json(&kept.document).map_err(|e| e.to_string())?;
        Ok(InUse { list: Arc::new(list), sha256: kept.sha256, source: kept.source, imported_at: kept.imported_at })
    }

    /// The list in use.
    pub(crate) fn current(&self) -> Option<Arc<PatchList>> {
        self.in_use.lock().unwrap_or_else(PoisonError::into_inner).as_ref().map(|u| u.list.clone())
    }

    /// Counts every change of the list in use.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Checks `document` against `sha256` and takes it into use unless the list in use is
    /// newer; returns a sentence saying what happened.
    pub(crate) fn import(&self, document: &str, sha256: &str, source: &str) -> Result<String, PatchImportError> {
        let expected = sha256.trim().to_ascii_lowercase();
        if expected.len() != 64 || !expected.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(PatchImportError::BadDigest(sha256.to_owned()));
        }
        let actual = sha256_hex(document.as_bytes());
        if actual != expected {
            return Err(PatchImportError::DigestMismatch { expected, actual });
        }
        let list = PatchList::from_json(document)?;
        let mut in_use = self.in_use.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(kept) = in_use.as_ref() {
            if list.version < kept.list.version {
                return Err(PatchImportError::Older { offered: list.version, kept: kept.list.version });
            }
            if list.version == kept.list.version {
                if kept.sha256 == actual {
                    return Ok(format!("Patch list version {} is already in use; nothing changed.", list.version));
                }
                return Err(PatchImportError::SameVersion(list.version));
            }
        }
        let imported_at = (self.clock)();
        let kept =
            Kept { sha256: actual.clone(), source: source.to_owned(), imported_at, document: document.to_owned() };
        let store = |reason: String| PatchImportError::Store { path: self.path.clone(), reason };
        let bytes = serde_json::to_vec(&kept).map_err(|e| store(e.to_string()))?;
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| store(e.to_string()))?;
        }
        postern_durable_fs::write_atomically(&self.path, &bytes, 0o600).map_err(|e| store(e.to_string()))?;
        let done = format!(
            "Patch list version {} ({} advisories, SHA-256 {actual}) imported from {source}; in use now.",
            list.version,
            list.entries.len()
        );
        tracing::info!(version = list.version, advisories = list.entries.len(), %source, "patch list imported");
        *in_use = Some(InUse { list: Arc::new(list), sha256: actual, source: source.to_owned(), imported_at });
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(done)
    }

    /// Records the outcome of a fetch from `url`.
    pub(crate) fn record_fetch(&self, url: &str, outcome: Result<String, String>) {
        let at = (self.clock)();
        *self.last_fetch.lock().unwrap_or_else(PoisonError::into_inner) =
            Some(Fetched { at, url: url.to_owned(), outcome });
    }

    /// The text of `show host-checker patch-list`.
    pub(crate) fn render(&self) -> String {
        let now = (self.clock)();
        let mut out = String::new();
        match self.in_use.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            Some(u) => {
                let _ = writeln!(
                    out,
                    "Patch list version {}, {} advisories, imported {} s ago from {}",
                    u.list.version,
                    u.list.entries.len(),
                    now.saturating_sub(u.imported_at),
                    u.source
                );
                let _ = writeln!(out, "  SHA-256 {}", u.sha256);
            }
            None => {
                let _ = writeln!(
                    out,
                    "No patch list is in use: policies that monitor products or patches fail every endpoint."
                );
            }
        }
        if let Some(f) = self.last_fetch.lock().unwrap_or_else(PoisonError::into_inner).as_ref() {
            let age = now.saturating_sub(f.at);
            match &f.outcome {
                Ok(what) => {
                    let _ = writeln!(out, "Last fetch from {} {age} s ago: {what}", f.url);
                }
                Err(reason) => {
                    let _ = writeln!(
                        out,
                        "Last fetch from {} {age} s ago FAILED: {reason}; the last good list stays in use",
                        f.url
                    );
                }
            }
        }
        out
    }
}

impl postern_cli_commands::PatchListControl for PatchListStore {
    fn import(&self, text: &str, sha256: &str) -> Result<String, String> {
        PatchListStore::import(self, text, sha256, "the CLI").map_err(|e| e.to_string())
    }

    fn status(&self) -> String {
        self.render()
    }
}
