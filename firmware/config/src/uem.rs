//! `[uem]`: the device-management server and the three check-ins with it.

use crate::checks;
use crate::connector::Connector;
use crate::validation::Report;
use serde::{Deserialize, Serialize};
use std::ops::RangeInclusive;

/// Allowed values of `uem.checkins.compliance_interval_secs`.
pub const COMPLIANCE_INTERVAL_SECS: RangeInclusive<u32> = 5..=3_600;
/// Allowed values of `uem.checkins.tunnel_actions_interval_secs`.
pub const TUNNEL_ACTIONS_INTERVAL_SECS: RangeInclusive<u32> = 5..=3_600;
/// Allowed values of `uem.checkins.inventory_interval_secs`.
pub const INVENTORY_INTERVAL_SECS: RangeInclusive<u32> = 10..=86_400;
/// Allowed values of `uem.checkins.jitter_percent`.
pub const JITTER_PERCENT: RangeInclusive<u32> = 0..=50;
/// Allowed values of `uem.checkins.backoff_cap_secs`.
pub const BACKOFF_CAP_SECS: RangeInclusive<u32> = 5..=3_600;

/// `[uem]`: which UEM the gateway asks, and how often.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UemSettings {
    /// How the gateway reaches the UEM. Default: a static UEM with no devices.
    pub connector: Connector,
    /// The schedules of the three check-ins.
    pub checkins: CheckinSettings,
}

/// `[uem.checkins]`: three independent check-ins, each on its own schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CheckinSettings {
    /// Seconds between pulls of device compliance status from the UEM. Default 30;
    /// 5 to 3 600.
    pub compliance_interval_secs: u32,
    /// Seconds between pulls of administrator actions on tunnels. Default 60; 5 to 3 600.
    pub tunnel_actions_interval_secs: u32,
    /// Seconds between pushes of the tunnel inventory (ActiveSync and app) to the UEM.
    /// Default 300; 10 to 86 400.
    pub inventory_interval_secs: u32,
    /// Each wait is shortened or lengthened by a random amount up to this percentage of
    /// the interval, so many gateways do not check in in step. Default 10; 0 to 50.
    pub jitter_percent: u32,
    /// Longest wait, in seconds, between retries of a failed check-in; waits start at the
    /// shorter of the interval and 5 s and double up to this cap. Default 300; 5 to 3 600.
    pub backoff_cap_secs: u32,
}

impl Default for CheckinSettings {
    fn default() -> Self {
        Self {
            compliance_interval_secs: 30,
            tunnel_actions_interval_secs: 60,
            inventory_interval_secs: 300,
            jitter_percent: 10,
            backoff_cap_secs: 300,
        }
    }
}

impl UemSettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        self.connector.check(&format!("{at}.connector"), report);
        self.checkins.check(&format!("{at}.checkins"), report);
    }
}

impl CheckinSettings {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        let c = |v, b| checks::range(v, b);
        report.check(at, "compliance_interval_secs", c(self.compliance_interval_secs, &COMPLIANCE_INTERVAL_SECS));
        report.check(
            at,
            "tunnel_actions_interval_secs",
            c(self.tunnel_actions_interval_secs, &TUNNEL_ACTIONS_INTERVAL_SECS),
        );
        report.check(at, "inventory_interval_secs", c(self.inventory_interval_secs, &INVENTORY_INTERVAL_SECS));
        report.check(at, "jitter_percent", c(self.jitter_percent, &JITTER_PERCENT));
        report.check(at, "backoff_cap_secs", c(self.backoff_cap_secs, &BACKOFF_CAP_SECS));
    }
}
