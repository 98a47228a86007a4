//! Helpers shared by the scheduler tests.

#![allow(dead_code)]

use postern_checkin::{CheckinKind, Outcome, Scheduler};
use postern_config::CheckinSettings;
use std::time::Duration;

/// `s` seconds.
pub(crate) const fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Compliance 30 s, tunnel actions 60 s, inventory 300 s, no jitter, back-off cap 300 s.
pub(crate) fn settings() -> CheckinSettings {
    CheckinSettings {
        compliance_interval_secs: 30,
        tunnel_actions_interval_secs: 60,
        inventory_interval_secs: 300,
        jitter_percent: 0,
        backoff_cap_secs: 300,
    }
}

/// A scheduler with [`settings`] and a fixed seed.
pub(crate) fn scheduler() -> Scheduler<String> {
    Scheduler::new(&settings(), 42)
}

/// A success with `items` applied, keeping the cursor.
pub(crate) fn ok(items: u64) -> Outcome<String> {
    Outcome::Success { new_cursor: None, items, more: false }
}

/// A success that brings a new cursor.
pub(crate) fn ok_with_cursor(cursor: &str) -> Outcome<String> {
    Outcome::Success { new_cursor: Some(cursor.to_owned()), items: 1, more: false }
}

/// An outage failure without Retry-After.
pub(crate) fn outage() -> Outcome<String> {
    Outcome::Failed { error: "connection refused".to_owned(), retry_after: None, outage: true }
}

/// An outage failure with Retry-After.
pub(crate) fn throttled(retry_after: Duration) -> Outcome<String> {
    Outcome::Failed { error: "429 too many requests".to_owned(), retry_after: Some(retry_after), outage: true }
}

/// Starts and finishes `kind` at `now` with `outcome`; returns its next due time.
pub(crate) fn run(
    s: &mut Scheduler<String>,
    kind: CheckinKind,
    now: Duration,
    outcome: Outcome<String>,
) -> Option<Duration> {
    s.started(kind, now);
    s.finished(kind, now, outcome);
    s.next_due(kind)
}
