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
    /// Must be an https URL.
    pub backend_url: Option<String>,
}

impl ActiveSyncSettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        if let Some(url) = &self.backend_url {
            report.check(at, "backend_url", checks::https_url(url));
        }
    }
}
