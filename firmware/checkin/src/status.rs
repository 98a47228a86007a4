//! What operators see of the check-ins (`show checkins`): serialisable records.

use crate::health::UemHealth;
use crate::kind::CheckinKind;
use crate::outcome::RunResult;
use crate::serde_ms;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How many times a check-in ran, and how it went. Counts saturate, never wrap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// Runs finished.
    pub runs: u64,
    /// Runs that succeeded.
    pub successes: u64,
    /// Runs that failed (including a cursor refused when there was no cursor).
    pub failures: u64,
    /// Full resyncs started because the UEM refused the cursor.
    pub resyncs: u64,
    /// Items applied or sent over all successful runs.
    pub items: u64,
}

/// The last finished run of a check-in. Times are offsets from the driver's epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRun {
    /// When it started.
    #[serde(rename = "started_ms", with = "serde_ms::ms")]
    pub started: Duration,
    /// When it ended.
    #[serde(rename = "ended_ms", with = "serde_ms::ms")]
    pub ended: Duration,
    /// How it ended.
    pub result: RunResult,
    /// Items applied or sent (zero unless it succeeded).
    pub items: u64,
}

/// The last error of a check-in (kept after later successes, with its time).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastError {
    /// When it happened (offset from the driver's epoch).
    #[serde(rename = "at_ms", with = "serde_ms::ms")]
    pub at: Duration,
    /// What happened: one line, at most [`crate::ERROR_TEXT_MAX`] bytes.
    pub text: String,
}

/// The state of one check-in, for operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinStatus {
    /// Which check-in.
    pub kind: CheckinKind,
    /// Whether the connector can do it; an unsupported check-in never runs.
    pub supported: bool,
    /// Whether it long-polls (runs back to back, the UEM holding each request).
    pub long_poll: bool,
    /// The configured time between successful runs, before jitter.
    #[serde(rename = "interval_ms", with = "serde_ms::ms")]
    pub interval: Duration,
    /// When the run in progress started, if one is.
    #[serde(rename = "running_since_ms", with = "serde_ms::opt_ms")]
    pub running_since: Option<Duration>,
    /// The last finished run.
    pub last_run: Option<LastRun>,
    /// The last error.
    pub last_error: Option<LastError>,
    /// How long until the next run (zero: due now); `None` while running or unsupported.
    #[serde(rename = "next_run_in_ms", with = "serde_ms::opt_ms")]
    pub next_run_in: Option<Duration>,
    /// Failures since the last success (drives the back-off).
    pub consecutive_failures: u32,
    /// Whether the next pull is incremental (a cursor is held).
    pub has_cursor: bool,
    /// Totals since the daemon started.
    pub counts: Counts,
}

/// All check-ins and the UEM's health at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusReport {
    /// The moment (offset from the driver's epoch) the report describes.
    #[serde(rename = "now_ms", with = "serde_ms::ms")]
    pub now: Duration,
    /// One record per check-in, in [`CheckinKind::ALL`] order.
    pub checkins: Vec<CheckinStatus>,
    /// The UEM as the check-ins see it.
    pub uem: UemHealth,
}
