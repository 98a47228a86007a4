//! `[gateway]`: who this gateway is.

use crate::checks;
use crate::validation::Report;
use postern_decision::GatewayId;
use serde::{Deserialize, Serialize};

/// Allowed values of `gateway.shutdown_notice_secs`.
pub const SHUTDOWN_NOTICE_SECS: std::ops::RangeInclusive<u32> = 0..=300;

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
    /// Seconds between the start of a graceful shutdown (or reload), when the health
    /// answers turn to 503, and the moment the data plane stops accepting and drains:
    /// the time a load balancer's checks need to stop sending new connections (for
    /// HAProxy, at least `fall` × `inter`). Default 0 (no balancer); 0 to 300.
    #[serde(skip_serializing_if = "is_zero")]
    pub shutdown_notice_secs: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Default for GatewaySettings {
    fn default() -> Self {
        Self { id: "postern-1".into(), hostname: "postern".into(), shutdown_notice_secs: 0 }
    }
}

impl GatewaySettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        report.check(at, "id", checks::identifier(&self.id, GatewayId::new, checks::NO_CONTROL));
        report.check(at, "hostname", checks::hostname_label(&self.hostname));
        report.check(at, "shutdown_notice_secs", checks::range(self.shutdown_notice_secs, &SHUTDOWN_NOTICE_SECS));
    }
}
