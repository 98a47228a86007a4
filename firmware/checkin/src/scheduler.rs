//! The three check-ins together: what the driver asks and tells.

use crate::entropy::Entropy;
use crate::error::CheckinError;
use crate::health::{HealthEvent, UemHealth};
use crate::kind::CheckinKind;
use crate::outcome::Outcome;
use crate::schedule::{Schedule, Signal};
use crate::status::StatusReport;
use crate::timing::Timing;
use postern_config::CheckinSettings;
use std::time::Duration;

/// The three independent check-ins (S8) and the UEM's health, with no clock and no I/O.
///
/// Every time (`now`) is an offset from an epoch the driver owns (for example
/// `Instant::now() - start`); it must not go backwards. All three check-ins are due at
/// once when the scheduler is created. `C` is the driver's cursor type, kept opaque.
///
/// ```
/// use postern_checkin::{CheckinKind, Outcome, Scheduler};
/// use std::time::Duration;
///
/// let settings = postern_config::CheckinSettings::default();
/// let mut checkins: Scheduler<String> = Scheduler::new(&settings, 0x5eed);
/// let now = Duration::ZERO;
/// for kind in checkins.due(now) {
///     checkins.started(kind, now);
///     // … the driver runs the check-in with `checkins.cursor(kind)` and
///     // `checkins.poll_wait(kind)`, then reports how it went:
///     let outcome = Outcome::Success { new_cursor: Some("c1".to_owned()), items: 3, more: false };
///     checkins.finished(kind, Duration::from_millis(40), outcome);
/// }
/// let wait = checkins.next_wake(Duration::from_millis(40));
/// assert!(wait.is_some_and(|w| w >= Duration::from_secs(26)));
/// assert_eq!(checkins.cursor(CheckinKind::Inventory).map(String::as_str), Some("c1"));
/// ```
#[derive(Debug, Clone)]
pub struct Scheduler<C> {
    schedules: [Schedule<C>; 3],
    health: UemHealth,
    entropy: Entropy,
}

impl<C> Scheduler<C> {
    /// A scheduler with the configured timings. `seed` drives the jitter: pass a random
    /// value so gateways do not check in in step; the same seed replays the same schedule.
    pub fn new(settings: &CheckinSettings, seed: u64) -> Self {
        Self {
            schedules: CheckinKind::ALL.map(|k| Schedule::new(k, Timing::from_settings(settings, k))),
            health: UemHealth::Unknown,
            entropy: Entropy::new(seed),
        }
    }

    fn get(&self, kind: CheckinKind) -> &Schedule<C> {
        &self.schedules[kind.index()]
    }

    fn get_mut(&mut self, kind: CheckinKind) -> &mut Schedule<C> {
        &mut self.schedules[kind.index()]
    }

    /// The check-ins to start now: supported, not running, and due at or before `now`.
    /// The iterator does not borrow the scheduler, so the driver can call
    /// [`Scheduler::started`] while walking it.
    pub fn due(&self, now: Duration) -> impl Iterator<Item = CheckinKind> + use<C> {
        let due = CheckinKind::ALL.map(|kind| {
            let pending = self.get(kind).pending_due();
            pending.is_some_and(|at| at <= now).then_some(kind)
        });
        due.into_iter().flatten()
    }

    /// How long the driver may sleep before a check-in is due (zero: one is due now).
    /// `None` when nothing is pending (every check-in is running or unsupported): wait for
    /// a run to finish or for a trigger.
    pub fn next_wake(&self, now: Duration) -> Option<Duration> {
        self.schedules.iter().filter_map(Schedule::pending_due).min().map(|due| due.saturating_sub(now))
    }

    /// When `kind` runs next (an offset from the epoch); `None` while it runs or if it is
    /// unsupported.
    pub fn next_due(&self, kind: CheckinKind) -> Option<Duration> {
        self.get(kind).pending_due()
    }

    /// The cursor to send with the next pull of `kind`; `None` means a full pull.
    pub fn cursor(&self, kind: CheckinKind) -> Option<&C> {
        self.get(kind).cursor()
    }

    /// The longest the UEM may hold a pull of `kind` open: `min(interval, 30 s)` when it
    /// long-polls, zero for a plain poll.
    pub fn poll_wait(&self, kind: CheckinKind) -> Duration {
        self.get(kind).poll_wait()
    }

    /// Whether `kind` long-polls (the connector supports it): after a success it runs
    /// again at once, the UEM holding the request for up to [`Scheduler::poll_wait`].
    pub fn set_long_poll(&mut self, kind: CheckinKind, enabled: bool) {
        self.get_mut(kind).set_long_poll(enabled);
    }

    /// The connector cannot do `kind` (known from its features): never schedule it.
    pub fn mark_unsupported(&mut self, kind: CheckinKind) {
        self.get_mut(kind).mark_unsupported();
    }

    /// The driver started a run of `kind` at `now`; it is not due again until it finishes.
    pub fn started(&mut self, kind: CheckinKind, now: Duration) {
        self.get_mut(kind).start(now);
    }

    /// A run of `kind` ended at `now` with `outcome`; schedules its next run. Returns the
    /// UEM health change this caused, if any (each change is reported once).
    pub fn finished(&mut self, kind: CheckinKind, now: Duration, outcome: Outcome<C>) -> Option<HealthEvent> {
        let entropy = self.entropy.next_u32();
        match self.get_mut(kind).finish(now, outcome, entropy) {
            Signal::Answered => self.health.answered(now),
            Signal::Outage => self.health.outage(now),
            Signal::Silent => None,
        }
    }

    /// Runs `kind` as soon as the driver next asks what is due, ignoring back-off and
    /// `Retry-After` (an operator's `uem checkin now`).
    pub fn run_now(&mut self, kind: CheckinKind) -> Result<(), CheckinError> {
        self.get_mut(kind).run_now()
    }

    /// New intervals, jitter and back-off cap from `now`. A pending run is brought forward
    /// if the new timing would run it sooner (never before a `Retry-After`); a later one
    /// waits for its time, then follows the new interval. Cursors, history, long-poll and
    /// support are kept.
    pub fn reconfigure(&mut self, settings: &CheckinSettings, now: Duration) {
        for kind in CheckinKind::ALL {
            let entropy = self.entropy.next_u32();
            let timing = Timing::from_settings(settings, kind);
            self.get_mut(kind).retime(timing, now, entropy);
        }
    }

    /// The UEM as the check-ins last saw it.
    pub fn health(&self) -> UemHealth {
        self.health
    }

    /// The state of every check-in at `now`, for `show checkins`.
    pub fn status(&self, now: Duration) -> StatusReport {
        StatusReport { now, checkins: self.schedules.iter().map(|s| s.status(now)).collect(), uem: self.health }
    }
}
