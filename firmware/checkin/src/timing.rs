//! The timing of one check-in: its interval with jitter, and its back-off after failures.

use crate::kind::CheckinKind;
use postern_config::CheckinSettings;
use std::time::Duration;

/// Shortest interval and back-off cap the scheduler uses, whatever it is given, so a
/// check-in can never spin.
pub const MIN_PERIOD: Duration = Duration::from_secs(1);
/// The first retry after a failure waits `min(interval, BACKOFF_BASE_MAX)`; each further
/// consecutive failure doubles the wait, up to the back-off cap.
pub const BACKOFF_BASE_MAX: Duration = Duration::from_secs(5);
/// The longest `Retry-After` the scheduler honours; a longer one is cut to this, so a
/// misbehaving UEM cannot stop a check-in for days.
pub const RETRY_AFTER_MAX: Duration = Duration::from_secs(3_600);
/// The longest a long-poll pull lets the UEM hold the request (the UEM API's limit).
pub const LONG_POLL_WAIT_MAX: Duration = Duration::from_secs(30);
/// A long-poll pull that brings nothing starts again no sooner than this after the start
/// of the previous one, so a UEM that answers at once without holding cannot make the
/// gateway spin.
pub const LONG_POLL_MIN_CYCLE: Duration = Duration::from_secs(1);

/// Jitter above this is treated as this (the configuration's own limit), so a wait is
/// never shorter than half the interval.
const JITTER_PERCENT_LIMIT: u32 = 50;
/// Doubling stops after this many steps (2^32 × base is beyond any cap).
const BACKOFF_MAX_DOUBLINGS: u32 = 32;

/// The timing settings of one check-in, made safe to compute with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timing {
    /// Time between successful runs, before jitter.
    pub(crate) interval: Duration,
    /// Jitter, in percent of the wait.
    pub(crate) jitter_percent: u32,
    /// Longest back-off after failures.
    pub(crate) backoff_cap: Duration,
}

impl Timing {
    /// The timing of `kind` from the configuration, with out-of-range values clamped.
    pub(crate) fn from_settings(settings: &CheckinSettings, kind: CheckinKind) -> Self {
        let interval_secs = match kind {
            CheckinKind::Compliance => settings.compliance_interval_secs,
            CheckinKind::TunnelActions => settings.tunnel_actions_interval_secs,
            CheckinKind::Inventory => settings.inventory_interval_secs,
        };
        Self {
            interval: Duration::from_secs(interval_secs.into()).max(MIN_PERIOD),
            jitter_percent: settings.jitter_percent.min(JITTER_PERCENT_LIMIT),
            backoff_cap: Duration::from_secs(settings.backoff_cap_secs.into()).max(MIN_PERIOD),
        }
    }

    /// The wait after a success: the interval, shortened or lengthened uniformly by up to
    /// `jitter_percent` of it; `entropy` picks where in that range.
    pub(crate) fn success_delay(&self, entropy: u32) -> Duration {
        let interval = self.interval.as_nanos();
        let span = interval * u128::from(self.jitter_percent) / 100;
        let offset = (u128::from(entropy) * (2 * span + 1)) >> 32;
        nanos(interval - span + offset)
    }

    /// The wait after the `failures`-th consecutive failure: `min(interval, 5 s)` doubled
    /// per failure after the first, capped at the back-off cap, then shortened by up to
    /// `jitter_percent` (never lengthened, so the cap holds).
    pub(crate) fn backoff_delay(&self, failures: u32, entropy: u32) -> Duration {
        let base = self.interval.min(BACKOFF_BASE_MAX).as_nanos();
        let doublings = failures.saturating_sub(1).min(BACKOFF_MAX_DOUBLINGS);
        let wait = (base << doublings).min(self.backoff_cap.as_nanos());
        let span = wait * u128::from(self.jitter_percent) / 100;
        let cut = (u128::from(entropy) * span) >> 32;
        nanos(wait - cut)
    }

    /// How long a long-poll pull may be held by the UEM: `min(interval, 30 s)`.
    pub(crate) fn long_poll_wait(&self) -> Duration {
        self.interval.min(LONG_POLL_WAIT_MAX)
    }
}

fn nanos(n: u128) -> Duration {
    Duration::from_nanos(u64::try_from(n).unwrap_or(u64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing(interval: u64, jitter: u32, cap: u64) -> Timing {
        Timing {
            interval: Duration::from_secs(interval),
            jitter_percent: jitter,
            backoff_cap: Duration::from_secs(cap),
        }
    }

    #[test]
    fn jitter_extremes_are_the_interval_plus_and_minus_the_percentage() {
        let t = timing(100, 10, 300);
        assert_eq!(t.success_delay(0), Duration::from_secs(90));
        let top = t.success_delay(u32::MAX);
        assert!(top <= Duration::from_secs(110), "{top:?}");
        assert!(top > Duration::from_millis(109_999), "{top:?}");
        let mid = t.success_delay(u32::MAX / 2);
        assert!(mid.abs_diff(Duration::from_secs(100)) < Duration::from_millis(1));
    }

    #[test]
    fn zero_jitter_is_the_exact_interval() {
        let t = timing(30, 0, 300);
        for e in [0, 1, u32::MAX / 3, u32::MAX] {
            assert_eq!(t.success_delay(e), Duration::from_secs(30));
        }
    }

    #[test]
    fn backoff_doubles_from_the_base_and_stops_at_the_cap() {
        let t = timing(30, 0, 60);
        let waits: Vec<u64> = (1..=6).map(|n| t.backoff_delay(n, 0).as_secs()).collect();
        assert_eq!(waits, vec![5, 10, 20, 40, 60, 60]);
        assert_eq!(t.backoff_delay(u32::MAX, 0), Duration::from_secs(60));
    }

    #[test]
    fn backoff_base_is_the_interval_when_shorter_than_five_seconds() {
        let t = timing(2, 0, 60);
        assert_eq!(t.backoff_delay(1, 0), Duration::from_secs(2));
        assert_eq!(t.backoff_delay(2, 0), Duration::from_secs(4));
    }

    #[test]
    fn backoff_jitter_only_shortens() {
        let t = timing(30, 20, 60);
        assert_eq!(t.backoff_delay(10, 0), Duration::from_secs(60));
        let low = t.backoff_delay(10, u32::MAX);
        assert!(low >= Duration::from_secs(48) && low < Duration::from_secs(49), "{low:?}");
    }

    #[test]
    fn settings_are_clamped_to_safe_values() {
        let settings = CheckinSettings {
            compliance_interval_secs: 0,
            tunnel_actions_interval_secs: 7,
            inventory_interval_secs: 9,
            jitter_percent: 400,
            backoff_cap_secs: 0,
        };
        let c = Timing::from_settings(&settings, CheckinKind::Compliance);
        assert_eq!(c.interval, MIN_PERIOD);
        assert_eq!(c.backoff_cap, MIN_PERIOD);
        assert_eq!(c.jitter_percent, 50);
        assert_eq!(c.success_delay(0), MIN_PERIOD / 2);
        let t = Timing::from_settings(&settings, CheckinKind::TunnelActions);
        assert_eq!(t.interval, Duration::from_secs(7));
        let i = Timing::from_settings(&settings, CheckinKind::Inventory);
        assert_eq!(i.interval, Duration::from_secs(9));
    }

    #[test]
    fn long_poll_wait_is_the_interval_up_to_thirty_seconds() {
        assert_eq!(timing(10, 0, 60).long_poll_wait(), Duration::from_secs(10));
        assert_eq!(timing(300, 0, 60).long_poll_wait(), LONG_POLL_WAIT_MAX);
    }
}
