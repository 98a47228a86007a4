//! `[accs]`: the administrative portal the gateway fetches its access profile from.

use crate::checks;
use crate::validation::{Problem, Report};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::ops::RangeInclusive;
use std::path::PathBuf;

/// Allowed values of `accs.sync_interval_secs`.
pub const ACCS_SYNC_INTERVAL_SECS: RangeInclusive<u32> = 5..=86_400;

/// `[accs]`: where the access profile (federation pairings, conditional access rules,
/// certificates) comes from, and how often it is fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccsSettings {
    /// The administrative portal, e.g. `https://portal.example.com` (port 443 unless the
    /// URL names one). Default: absent, and nothing is fetched (`accs config-fetch update`
    /// says so). An https URL; with it, `ca_file` and `token_file` are required.
    pub portal_url: Option<String>,
    /// PEM file of the certificate authorities trusted for the portal (pinned: the system
    /// trust store is not used). Absolute.
    pub ca_file: Option<PathBuf>,
    /// File holding the gateway's bearer token for the portal (never the token itself, so
    /// it is never shown). Absolute.
    pub token_file: Option<PathBuf>,
    /// Seconds between fetches from the portal. Default 900 (every 15 minutes); 5 to
    /// 86 400.
    pub sync_interval_secs: u32,
    /// Address of the SAML federation listener (HTTPS, with the profile's listener
    /// certificate), e.g. `0.0.0.0:8443`. Default: absent, and the federation proxy is not
    /// served. Applies at commit.
    pub federation_listen: Option<SocketAddr>,
    /// Postern's public base URL for federation, e.g. `https://sso.example.com` (scheme,
    /// host and port only): its IdP entity id, SSO URL, ACS URL and metadata URLs lie
    /// under it (`/saml/idp/…`, `/saml/sp/…`). Default: absent, and the federation proxy is
    /// not served. https only. Applies at commit.
    pub federation_url: Option<String>,
    /// PEM file of the certificate authorities trusted for session revocation (A5): the
    /// SPs' Single Logout URLs and the revocation endpoints (for Entra ID, the token and
    /// Graph URLs). Pinned: the system trust store is not used. Default: absent, and every
    /// revocation call fails (logged and reported); Postern's own session records are
    /// still forgotten. Absolute. Applies at commit.
    pub revocation_ca_file: Option<PathBuf>,
}

impl Default for AccsSettings {
    fn default() -> Self {
        Self {
            portal_url: None,
            ca_file: None,
            token_file: None,
            sync_interval_secs: 900,
            federation_listen: None,
            federation_url: None,
            revocation_ca_file: None,
        }
    }
}

impl AccsSettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        if let Some(url) = &self.portal_url {
            report.check(at, "portal_url", checks::https_url(url));
            let because = || "accs.portal_url is set".to_owned();
            if self.ca_file.is_none() {
                report.check(at, "ca_file", Err(Problem::Missing { because: because() }));
            }
            if self.token_file.is_none() {
                report.check(at, "token_file", Err(Problem::Missing { because: because() }));
            }
        }
        if let Some(path) = &self.ca_file {
            report.check(at, "ca_file", checks::absolute_path(path));
        }
        if let Some(path) = &self.token_file {
            report.check(at, "token_file", checks::absolute_path(path));
        }
        if let Some(path) = &self.revocation_ca_file {
            report.check(at, "revocation_ca_file", checks::absolute_path(path));
        }
        report.check(at, "sync_interval_secs", checks::range(self.sync_interval_secs, &ACCS_SYNC_INTERVAL_SECS));
        if let Some(url) = &self.federation_url {
            report.check(at, "federation_url", checks::https_url(url).and_then(|()| base_only(url)));
        }
    }
}

/// A base URL names the scheme, host and port only (an optional trailing `/`).
fn base_only(url: &str) -> Result<(), Problem> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    match rest.find(['/', '?', '#']).and_then(|at| rest.get(at..)) {
        Some(tail) if tail != "/" => {
            Err(Problem::BadUrl { reason: "give the scheme, host and port only: Postern's paths lie under it" })
        }
        _ => Ok(()),
    }
}
