//! The JSON configuration file of the standalone federation server (the test binary):
//! the pairing, Postern's identities, PEM files, rules and a fixed device table. The
//! portal's profile will map onto [`FederationConfig`] the same way.

use crate::access::{Action, DeviceDirectory, DeviceRecord, IpPrefix, Posture, Rule};
use crate::config::{FederationConfig, LocalIdentity, Pairing};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Why the configuration file was refused.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// The file could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The JSON is not a valid configuration.
    #[error("{path}: {source}")]
    Json {
        /// The file.
        path: PathBuf,
        /// Why.
        source: serde_json::Error,
    },
    /// A PEM file holds no usable certificate or key.
    #[error("{path}: no {what} in PEM: {reason}")]
    Pem {
        /// The file.
        path: PathBuf,
        /// What was looked for.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A rule is not valid.
    #[error("rule {rule}: {reason}")]
    Rule {
        /// The rule's name.
        rule: String,
        /// Why.
        reason: String,
    },
}

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerFile {
    /// Address to listen on (port 0 picks one; the server prints it).
    pub listen: SocketAddr,
    /// PEM certificate chain of the HTTPS listener.
    pub tls_cert: PathBuf,
    /// PEM private key of the HTTPS listener.
    pub tls_key: PathBuf,
    /// PEM CA of device certificates (the AppTunnel client CA); optional client certificates.
    pub device_ca: Option<PathBuf>,
    /// The SP/IdP pairing.
    pub pairing: PairingFile,
    /// Postern's identities.
    pub local: LocalFile,
    /// Conditional access rules, in order.
    pub rules: Vec<RuleFile>,
    /// Attribute names released to the SP (all when empty).
    #[serde(default)]
    pub released_attributes: Vec<String>,
    /// The fixed device table (id → record) standing in for the device cache.
    #[serde(default)]
    pub devices: HashMap<String, DeviceFile>,
}

/// The pairing as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PairingFile {
    /// SP entity id.
    pub sp_entity_id: String,
    /// SP ACS URLs.
    pub sp_acs_urls: Vec<String>,
    /// IdP entity id.
    pub idp_entity_id: String,
    /// IdP SSO URL.
    pub idp_sso_url: String,
    /// PEM files of the IdP's signing certificates.
    pub idp_signing_certs: Vec<PathBuf>,
}

/// Postern's identities as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LocalFile {
    /// Entity id as IdP.
    pub idp_entity_id: String,
    /// SSO URL as IdP.
    pub idp_sso_url: String,
    /// Entity id as SP.
    pub sp_entity_id: String,
    /// ACS URL as SP.
    pub acs_url: String,
    /// PEM signing key.
    pub signing_key: PathBuf,
    /// PEM signing certificate.
    pub signing_cert: PathBuf,
}

/// A rule as written; absent lists match anything.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    /// Name.
    pub name: String,
    /// `managed-compliant`, `managed-non-compliant`, `unmanaged`.
    #[serde(default)]
    pub postures: Vec<String>,
    /// Platforms.
    #[serde(default)]
    pub platforms: Vec<String>,
    /// Apps.
    #[serde(default)]
    pub apps: Vec<String>,
    /// Source prefixes.
    #[serde(default)]
    pub networks: Vec<String>,
    /// Groups.
    #[serde(default)]
    pub groups: Vec<String>,
    /// `allow`, `deny` or `warn`.
    pub action: String,
    /// Deny: why; warn: the warning.
    #[serde(default)]
    pub message: String,
    /// Deny: what to do.
    #[serde(default)]
    pub remedy: String,
}

/// A device of the fixed table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviceFile {
    /// Platform.
    pub platform: String,
    /// Compliant or not.
    pub compliant: bool,
}

/// The fixed device table.
#[derive(Debug, Clone, Default)]
pub struct DeviceTable(pub HashMap<String, DeviceFile>);

impl DeviceDirectory for DeviceTable {
    fn lookup(&self, device_id: &str) -> Option<DeviceRecord> {
        self.0.get(device_id).map(|d| DeviceRecord { platform: d.platform.clone(), compliant: d.compliant })
    }
}

/// Reads the JSON file at `path`.
pub fn read(path: &Path) -> Result<ServerFile, ConfigFileError> {
    let text = std::fs::read(path).map_err(|source| ConfigFileError::Read { path: path.into(), source })?;
    serde_json::from_slice(&text).map_err(|source| ConfigFileError::Json { path: path.into(), source })
}

fn cert_der(path: &Path) -> Result<Vec<u8>, ConfigFileError> {
    CertificateDer::from_pem_file(path).map(|c| c.to_vec()).map_err(|e| ConfigFileError::Pem {
        path: path.into(),
        what: "certificate",
        reason: e.to_string(),
    })
}

fn key_der(path: &Path) -> Result<Vec<u8>, ConfigFileError> {
    PrivateKeyDer::from_pem_file(path).map(|k| k.secret_der().to_vec()).map_err(|e| ConfigFileError::Pem {
        path: path.into(),
        what: "private key",
        reason: e.to_string(),
    })
}

fn rule(file: &RuleFile) -> Result<Rule, ConfigFileError> {
    let error = |reason: String| ConfigFileError::Rule { rule: file.name.clone(), reason };
    let postures = file
        .postures
        .iter()
        .map(|p| match p.as_str() {
            "managed-compliant" => Ok(Posture::ManagedCompliant),
            "managed-non-compliant" => Ok(Posture::ManagedNonCompliant),
            "unmanaged" => Ok(Posture::Unmanaged),
            other => Err(error(format!("unknown posture `{other}`"))),
        })
        .collect::<Result<_, _>>()?;
    let networks = file
        .networks
        .iter()
        .map(|n| n.parse::<IpPrefix>().map_err(|e| error(e.to_string())))
        .collect::<Result<_, _>>()?;
    let action = match file.action.as_str() {
        "allow" => Action::Allow,
        "deny" => Action::Deny { reason: file.message.clone(), remedy: file.remedy.clone() },
        "warn" => Action::Warn { message: file.message.clone() },
        other => return Err(error(format!("unknown action `{other}`"))),
    };
    Ok(Rule {
        name: file.name.clone(),
        postures,
        platforms: file.platforms.clone(),
        apps: file.apps.clone(),
        networks,
        groups: file.groups.clone(),
        action,
    })
}

impl ServerFile {
    /// The federation configuration the file describes, with its PEM files read.
    pub fn federation_config(&self) -> Result<FederationConfig, ConfigFileError> {
        let p = &self.pairing;
        let l = &self.local;
        Ok(FederationConfig {
            pairing: Pairing {
                name: "pairing".into(),
                sp_entity_id: p.sp_entity_id.clone(),
                sp_acs_urls: p.sp_acs_urls.clone(),
                idp_entity_id: p.idp_entity_id.clone(),
                idp_sso_url: p.idp_sso_url.clone(),
                idp_signing_certs_der: p.idp_signing_certs.iter().map(|c| cert_der(c)).collect::<Result<_, _>>()?,
            },
            local: LocalIdentity {
                idp_entity_id: l.idp_entity_id.clone(),
                idp_sso_url: l.idp_sso_url.clone(),
                sp_entity_id: l.sp_entity_id.clone(),
                acs_url: l.acs_url.clone(),
                signing_key_der: key_der(&l.signing_key)?,
                signing_cert_der: cert_der(&l.signing_cert)?,
            },
            rules: self.rules.iter().map(rule).collect::<Result<_, _>>()?,
            released_attributes: self.released_attributes.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
