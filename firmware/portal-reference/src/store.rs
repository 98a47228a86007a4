//! The state directory: per tenant its profile, its gateways' token hashes and the sign-in
//! reports received; beside them the test fault order. Every file is JSON, mode 0600 (the
//! profile holds private keys), replaced atomically.
//!
//! The server writes only the sign-in files; the admin command writes the rest.

use postern_access_profile::Profile;
use postern_access_profile::api::SignIn;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Largest state file read back.
const FILE_MAX: u64 = 512 * 1024 * 1024;

/// Why a state file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum StoreError {
    /// A file operation failed.
    #[error("cannot {op} {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file does not hold what it should.
    #[error("{} is not readable: {reason}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The tenant has no profile yet.
    #[error("tenant {0:?} has no profile yet: give it certificates first (postern-portal admin certificates)")]
    NoTenant(String),
}

/// A sign-in report as kept: when it arrived and from which gateway.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Received {
    /// Seconds since the Unix epoch.
    pub(crate) received_unix: u64,
    /// The gateway that sent it.
    pub(crate) gateway: String,
    /// The report.
    pub(crate) sign_in: SignIn,
}

/// A tenant's sign-in reports, by event id.
pub(crate) type SignIns = BTreeMap<String, Received>;
/// A tenant's gateways: SHA-256 (hex) of each gateway's bearer token, by gateway id.
pub(crate) type Gateways = BTreeMap<String, String>;

/// The state directory.
#[derive(Debug, Clone)]
pub(crate) struct StateDir {
    root: PathBuf,
}

/// SHA-256 of a token, in hex.
pub(crate) fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl StateDir {
    /// The state kept under `root`.
    pub(crate) fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    fn tenants(&self) -> PathBuf {
        self.root.join("tenants")
    }

    fn tenant(&self, tenant: &str) -> PathBuf {
        self.tenants().join(tenant)
    }

    /// The tenant's profile file.
    pub(crate) fn profile_path(&self, tenant: &str) -> PathBuf {
        self.tenant(tenant).join("profile.json")
    }

    /// The test fault order.
    pub(crate) fn faults_path(&self) -> PathBuf {
        self.root.join("faults.json")
    }

    /// The tenants that exist.
    pub(crate) fn tenant_names(&self) -> Result<Vec<String>, StoreError> {
        let dir = self.tenants();
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => return Err(StoreError::Io { op: "list", path: dir, source }),
        };
        let mut names: Vec<String> =
            entries.filter_map(Result::ok).filter_map(|e| e.file_name().to_str().map(str::to_owned)).collect();
        names.sort();
        Ok(names)
    }

    /// The raw bytes of the tenant's profile, if it has one.
    pub(crate) fn profile_bytes(&self, tenant: &str) -> Result<Option<Vec<u8>>, StoreError> {
        read_bytes(&self.profile_path(tenant))
    }

    /// The tenant's profile, if it has one.
    pub(crate) fn profile(&self, tenant: &str) -> Result<Option<Profile>, StoreError> {
        read_json(&self.profile_path(tenant))
    }

    /// The tenant's profile; an error if it has none.
    pub(crate) fn existing_profile(&self, tenant: &str) -> Result<Profile, StoreError> {
        self.profile(tenant)?.ok_or_else(|| StoreError::NoTenant(tenant.to_owned()))
    }

    /// Stores the tenant's profile (creating the tenant).
    pub(crate) fn save_profile(&self, profile: &Profile) -> Result<(), StoreError> {
        write_json(&self.profile_path(&profile.tenant), profile)
    }

    /// The tenant's gateways.
    pub(crate) fn gateways(&self, tenant: &str) -> Result<Gateways, StoreError> {
        Ok(read_json(&self.tenant(tenant).join("gateways.json"))?.unwrap_or_default())
    }

    /// Stores the tenant's gateways.
    pub(crate) fn save_gateways(&self, tenant: &str, gateways: &Gateways) -> Result<(), StoreError> {
        write_json(&self.tenant(tenant).join("gateways.json"), gateways)
    }

    /// The tenant's sign-in reports.
    pub(crate) fn sign_ins(&self, tenant: &str) -> Result<SignIns, StoreError> {
        Ok(read_json(&self.tenant(tenant).join("sign-ins.json"))?.unwrap_or_default())
    }

    /// Stores the tenant's sign-in reports.
    pub(crate) fn save_sign_ins(&self, tenant: &str, sign_ins: &SignIns) -> Result<(), StoreError> {
        write_json(&self.tenant(tenant).join("sign-ins.json"), sign_ins)
    }
}

fn read_bytes(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    use std::io::Read;
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(StoreError::Io { op: "open", path: path.to_owned(), source }),
    };
    let mut bytes = Vec::new();
    file.take(FILE_MAX + 1).read_to_end(&mut bytes).map_err(|source| StoreError::Io {
        op: "read",
        path: path.to_owned(),
        source,
    })?;
    if bytes.len() as u64 > FILE_MAX {
        return Err(StoreError::Format { path: path.to_owned(), reason: format!("larger than {FILE_MAX} bytes") });
    }
    Ok(Some(bytes))
}

/// Reads a JSON file (`None` if it does not exist).
pub(crate) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, StoreError> {
    let Some(bytes) = read_bytes(path)? else {
        return Ok(None);
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| StoreError::Format { path: path.to_owned(), reason: e.to_string() })
}

/// Writes a JSON file atomically, mode 0600, creating its directory.
pub(crate) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io { op: "create", path: dir.to_owned(), source })?;
    }
    let bytes = serde_json::to_vec_pretty(value)
        .map_err(|e| StoreError::Format { path: path.to_owned(), reason: e.to_string() })?;
    postern_durable_fs::write_atomically(path, &bytes, 0o600).map_err(|e| StoreError::Io {
        op: e.op,
        path: e.path,
        source: e.source,
    })
}
