//! `[accs]`: the administrative portal the gateway fetches its access configuration from.

use crate::checks;
use crate::validation::{Problem, Report};
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

/// Allowed values of `accs.sync_interval_secs`.
pub const ACCS_SYNC_INTERVAL_SECS: RangeInclusive<u32> = 60..=86_400;

/// `[accs]`: where the access configuration (federation pairings, conditional access
/// rules, certificates) comes from, and how often it is fetched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccsSettings {
    /// The administrative portal, e.g. `https://portal.example.com`. Default: absent, and
    /// no portal is configured (`accs config-fetch update` says so). An https URL.
    pub portal_url: Option<String>,
    /// Seconds between fetches from the portal. Default 900 (every 15 minutes); 60 to
    /// 86 400.
    pub sync_interval_secs: u32,
}

impl Default for AccsSettings {
    fn default() -> Self {
        Self { portal_url: None, sync_interval_secs: 900 }
    }
}

impl AccsSettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        if let Some(url) = &self.portal_url {
            report.check(at, "portal_url", checks::https_url(url));
        }
        report.check(at, "sync_interval_secs", checks::range(self.sync_interval_secs, &ACCS_SYNC_INTERVAL_SECS));
    }

    /// Portal sync (A1, A2) is not built: a portal, or a sync interval other than the
    /// default, would have no effect, so `commit` refuses them.
    pub(crate) fn check_supported(&self, at: &str, report: &mut Report) {
        const WHY: &str = "portal sync is not built in this version";
        if self.portal_url.is_some() {
            report.check(at, "portal_url", Err(Problem::Unsupported { why: WHY }));
        }
        if self.sync_interval_secs != Self::default().sync_interval_secs {
            report.check(at, "sync_interval_secs", Err(Problem::Unsupported { why: WHY }));
        }
    }
}
