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
    /// The load balancers (source prefixes, e.g. `["10.0.5.0/28"]`) whose connections to
    /// the ActiveSync listener start with a PROXY protocol header (v1 or v2). Default:
    /// none, and no header is read. When set, every connection must come from one of
    /// them with a valid header, or it is closed and logged; the header's client address
    /// is what limits, logs and access decisions see. At most 64, each `network/prefix`
    /// without host bits.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub proxy_protocol_from: Vec<String>,
}

impl ActiveSyncSettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        if let Some(url) = &self.backend_url {
            report.check(at, "backend_url", checks::http_or_https_url(url));
        }
        if let Some(path) = &self.backend_ca_file {
            report.check(at, "backend_ca_file", checks::absolute_path(path));
        }
        crate::balancers::check(at, &self.proxy_protocol_from, report);
    }
}
