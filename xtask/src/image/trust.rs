//! What an image trusts for its updates: the operator's own signing keys and update-server CA
//! (a production image, the default), or the committed TEST keys (a test image, only with
//! `--test-keys`). A production build refuses the committed test key, by key id as well as
//! by file name, and the committed test CA.

use postern_update_bundle::{ImageTrust, KeyError, PublicKey, TEST_KEY_ID};
use std::path::{Path, PathBuf};

/// The committed test key pair and CA, in the repository's `keys/` directory.
const TEST_CA_FILE: &str = "TEST-ONLY-update-server-ca.pem";
/// What marks the committed test files' names.
const TEST_MARK: &str = "TEST-ONLY";

/// The update keys and CA an image is built with, and which kind of image that makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UpdateTrust {
    /// Production or test.
    pub(crate) kind: ImageTrust,
    /// The directory of `*.pub` signing keys the image trusts.
    pub(crate) keys: PathBuf,
    /// The update server's CA certificate (PEM).
    pub(crate) ca: PathBuf,
    /// The trusted keys' ids, in file-name order, for the manifest.
    pub(crate) key_ids: Vec<String>,
}

/// Why the image's update trust cannot be settled.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TrustError {
    /// A production image was asked for without the operator's keys or CA.
    #[error(
        "a production image needs your own update trust, but {missing}: pass \
         --update-keys DIR (a directory of your *.pub update-signing keys) and --update-ca FILE \
         (the CA certificate of your update server); or pass --test-keys for a development or \
         test image that trusts the public TEST keys in keys/ (never ship one). See README, \
         \"Making a production image\""
    )]
    Missing {
        /// Which options were not given.
        missing: &'static str,
    },
    /// `--test-keys` together with the operator's keys or CA.
    #[error(
        "--test-keys builds a test image with the committed TEST keys; it cannot be combined with --update-keys or --update-ca"
    )]
    Mixed,
    /// A key file named like the committed test key.
    #[error(
        "{path}: a file named {TEST_MARK}* is a committed test key or CA; a production image cannot trust it (use --test-keys for a test image)"
    )]
    TestName {
        /// The file.
        path: PathBuf,
    },
    /// A key whose id is the committed test key's, whatever its file's name.
    #[error(
        "{path}: key id {TEST_KEY_ID} is the committed, public TEST signing key; a production image cannot trust it (use --test-keys for a test image)"
    )]
    TestKey {
        /// The file.
        path: PathBuf,
    },
    /// The CA is the committed test CA, whatever its file's name.
    #[error(
        "{path}: this is the committed TEST update-server CA (its key is public); a production image cannot trust it (use --test-keys for a test image)"
    )]
    TestCa {
        /// The file.
        path: PathBuf,
    },
    /// No signing key in the directory.
    #[error("no *.pub update-signing keys in {dir}: the image could never be updated")]
    NoKeys {
        /// The directory.
        dir: PathBuf,
    },
    /// A key file that does not parse.
    #[error("{path}: {source}")]
    Key {
        /// The file.
        path: PathBuf,
        /// Why.
        source: KeyError,
    },
    /// A file or directory that cannot be read.
    #[error("reading {path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// Settles the image's update trust from the options of `cargo xtask image`; `repo_keys` is
/// the repository's `keys/` directory (the committed test keys).
pub(crate) fn resolve(
    test_keys: bool,
    update_keys: Option<&Path>,
    update_ca: Option<&Path>,
    repo_keys: &Path,
) -> Result<UpdateTrust, TrustError> {
    if test_keys {
        if update_keys.is_some() || update_ca.is_some() {
            return Err(TrustError::Mixed);
        }
        let key_ids = key_ids(repo_keys)?.into_iter().map(|(_, id)| id).collect();
        return Ok(UpdateTrust {
            kind: ImageTrust::Test,
            keys: repo_keys.to_owned(),
            ca: repo_keys.join(TEST_CA_FILE),
            key_ids,
        });
    }
    let (keys, ca) = match (update_keys, update_ca) {
        (Some(keys), Some(ca)) => (keys, ca),
        (None, None) => return Err(TrustError::Missing { missing: "neither --update-keys nor --update-ca was given" }),
        (None, Some(_)) => return Err(TrustError::Missing { missing: "--update-keys was not given" }),
        (Some(_), None) => return Err(TrustError::Missing { missing: "--update-ca was not given" }),
    };
    let mut ids = Vec::new();
    for (path, id) in key_ids(keys)? {
        if id == TEST_KEY_ID.to_string() {
            return Err(TrustError::TestKey { path });
        }
        if is_test_name(&path) {
            return Err(TrustError::TestName { path });
        }
        ids.push(id);
    }
    if is_test_name(ca) {
        return Err(TrustError::TestName { path: ca.to_owned() });
    }
    let ca_text = read(ca)?;
    let test_ca_text = read(&repo_keys.join(TEST_CA_FILE))?;
    if pem_body(&ca_text).contains(&pem_body(&test_ca_text)) {
        return Err(TrustError::TestCa { path: ca.to_owned() });
    }
    Ok(UpdateTrust { kind: ImageTrust::Production, keys: keys.to_owned(), ca: ca.to_owned(), key_ids: ids })
}

/// Every `*.pub` file of `dir` with its key's id, in name order; refuses a directory without one.
fn key_ids(dir: &Path) -> Result<Vec<(PathBuf, String)>, TrustError> {
    let io = |source| TrustError::Io { path: dir.to_owned(), source };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.extension().is_some_and(|e| e == "pub") {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(TrustError::NoKeys { dir: dir.to_owned() });
    }
    paths.sort();
    paths
        .into_iter()
        .map(|path| match PublicKey::from_file(&path) {
            Ok(key) => Ok((path, key.key_id().to_string())),
            Err(source) => Err(TrustError::Key { path, source }),
        })
        .collect()
}

fn read(path: &Path) -> Result<String, TrustError> {
    std::fs::read_to_string(path).map_err(|source| TrustError::Io { path: path.to_owned(), source })
}

fn is_test_name(path: &Path) -> bool {
    path.file_name().is_some_and(|n| n.to_string_lossy().contains(TEST_MARK))
}

/// A PEM text's base64 lines run together, without the armour lines and white space, so that
/// the same certificate compares equal however it is wrapped.
fn pem_body(text: &str) -> String {
    text.lines().map(str::trim).filter(|l| !l.starts_with("-----")).collect()
}

#[cfg(test)]
mod tests;
