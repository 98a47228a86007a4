//! `[gateway]`: who this gateway is.

use crate::checks;
use crate::validation::Report;
use serde::{Deserialize, Serialize};

/// Longest gateway id, in bytes (the same limit the decision core applies).
pub const GATEWAY_ID_MAX: usize = 64;

/// `[gateway]`: this gateway's identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewaySettings {
    /// The id under which this gateway registers with the UEM; the UEM uses it to say a
    /// device is already allowed on another gateway. Default `postern-1`; 1 to 64 bytes,
    /// no control characters.
    pub id: String,
    /// The gateway's host name. Default `postern`; one RFC 1123 label: 1 to 63 ASCII
    /// letters, digits and hyphens, not starting or ending with a hyphen.
    pub hostname: String,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        Self {
            id: "postern-1".into(),
            hostname: "postern".into(),
        }
    }
}

impl GatewaySettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        report.check(at, "id", checks::text(&self.id, GATEWAY_ID_MAX));
        report.check(at, "hostname", checks::hostname_label(&self.hostname));
    }
}
