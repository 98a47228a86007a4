//! `[activesync]`: the Exchange ActiveSync proxy.

use crate::checks;
use crate::validation::Report;
use serde::{Deserialize, Serialize};

/// `[activesync]`: where ActiveSync requests go once a device is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActiveSyncSettings {
    /// The Exchange back end the proxy forwards allowed requests to, e.g.
    /// `https://mail.example.com`. Default: absent, and ActiveSync is not proxied.
    /// An https URL, or http for a back end on a trusted internal network.
    pub backend_url: Option<String>,
    /// PEM file of the authorities that sign an https back end's certificate. Must be
    /// absolute; needed for an https back end (the appliance trusts no public roots).
    pub backend_ca_file: Option<std::path::PathBuf>,
}

impl ActiveSyncSettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        if let Some(url) = &self.backend_url {
            report.check(at, "backend_url", checks::http_or_https_url(url));
        }
        if let Some(path) = &self.backend_ca_file {
            report.check(at, "backend_ca_file", checks::absolute_path(path));
        }
    }
}
