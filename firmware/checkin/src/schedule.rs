//! One check-in's schedule: when it runs next and what happened so far.

use crate::error::CheckinError;
use crate::kind::CheckinKind;
use crate::outcome::{Outcome, RunResult};
use crate::status::{CheckinStatus, Counts, LastError, LastRun};
use crate::text::bounded_error;
use crate::timing::{LONG_POLL_MIN_CYCLE, RETRY_AFTER_MAX, Timing};
use std::time::Duration;

/// What a finished run says about the UEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// The UEM answered.
    Answered,
    /// The UEM could not be used.
    Outage,
    /// Nothing about the UEM (a local failure, or the connector lacks the feature).
    Silent,
}

/// The schedule and history of one check-in. `C` is the driver's cursor type.
#[derive(Debug, Clone)]
pub(crate) struct Schedule<C> {
    kind: CheckinKind,
    timing: Timing,
    long_poll: bool,
    supported: bool,
    running_since: Option<Duration>,
    next_due: Duration,
    not_before: Duration,
    failures: u32,
    cursor: Option<C>,
    last_run: Option<LastRun>,
    last_error: Option<LastError>,
    counts: Counts,
}

impl<C> Schedule<C> {
    /// A schedule due at once (time zero), with no cursor.
    pub(crate) fn new(kind: CheckinKind, timing: Timing) -> Self {
        Self {
            kind,
            timing,
            long_poll: false,
            supported: true,
            running_since: None,
            next_due: Duration::ZERO,
            not_before: Duration::ZERO,
            failures: 0,
            cursor: None,
            last_run: None,
            last_error: None,
            counts: Counts::default(),
        }
    }

    /// When it runs next, unless it is running or unsupported.
    pub(crate) fn pending_due(&self) -> Option<Duration> {
        (self.supported && self.running_since.is_none()).then_some(self.next_due)
    }

    pub(crate) fn cursor(&self) -> Option<&C> {
        self.cursor.as_ref()
    }

    /// The longest the UEM may hold a pull of this check-in (zero: plain poll).
    pub(crate) fn poll_wait(&self) -> Duration {
        if self.long_poll && self.supported { self.timing.long_poll_wait() } else { Duration::ZERO }
    }

    pub(crate) fn set_long_poll(&mut self, enabled: bool) {
        self.long_poll = enabled;
    }

    pub(crate) fn mark_unsupported(&mut self) {
        self.supported = false;
    }

    /// A run starts at `now` (a second start while running keeps the first).
    pub(crate) fn start(&mut self, now: Duration) {
        self.running_since.get_or_insert(now);
    }

    /// A run ended at `now`; schedules the next one. `entropy` picks the jitter.
    pub(crate) fn finish(&mut self, now: Duration, outcome: Outcome<C>, entropy: u32) -> Signal {
        let started = self.running_since.take().unwrap_or(now).min(now);
        let mut result = outcome.result();
        let mut items = 0;
        self.counts.runs = self.counts.runs.saturating_add(1);
        let signal = match outcome {
            Outcome::Success { new_cursor, items: applied, more } => {
                items = applied;
                self.counts.successes = self.counts.successes.saturating_add(1);
                self.counts.items = self.counts.items.saturating_add(applied);
                self.failures = 0;
                self.not_before = Duration::ZERO;
                if new_cursor.is_some() {
                    self.cursor = new_cursor;
                }
                self.next_due = if more || (self.long_poll && applied > 0) {
                    now
                } else if self.long_poll {
                    now.max(started.saturating_add(LONG_POLL_MIN_CYCLE))
                } else {
                    now.saturating_add(self.timing.success_delay(entropy))
                };
                Signal::Answered
            }
            Outcome::Failed { error, retry_after, outage } => {
                self.fail(now, &error, retry_after, entropy);
                if outage { Signal::Outage } else { Signal::Silent }
            }
            Outcome::CursorRefused if self.cursor.take().is_some() => {
                self.counts.resyncs = self.counts.resyncs.saturating_add(1);
                self.note_error(now, "the UEM refused the cursor; pulling everything again");
                self.next_due = now;
                Signal::Answered
            }
            Outcome::CursorRefused => {
                result = RunResult::Failed;
                self.fail(now, "the UEM refused a pull that had no cursor", None, entropy);
                Signal::Answered
            }
            Outcome::Unsupported => {
                self.supported = false;
                self.note_error(now, "not supported by the UEM connector");
                Signal::Silent
            }
        };
        self.last_run = Some(LastRun { started, ended: now, result, items });
        signal
    }

    fn fail(&mut self, now: Duration, error: &str, retry_after: Option<Duration>, entropy: u32) {
        self.counts.failures = self.counts.failures.saturating_add(1);
        self.failures = self.failures.saturating_add(1);
        self.note_error(now, error);
        let asked = retry_after.unwrap_or(Duration::ZERO).min(RETRY_AFTER_MAX);
        self.not_before = now.saturating_add(asked);
        let backoff = self.timing.backoff_delay(self.failures, entropy);
        self.next_due = now.saturating_add(backoff.max(asked));
    }

    fn note_error(&mut self, at: Duration, text: &str) {
        self.last_error = Some(LastError { at, text: bounded_error(text) });
    }

    /// Runs it as soon as the driver next asks what is due, ignoring any back-off and
    /// `Retry-After`.
    pub(crate) fn run_now(&mut self) -> Result<(), CheckinError> {
        if !self.supported {
            return Err(CheckinError::Unsupported { kind: self.kind });
        }
        if self.running_since.is_some() {
            return Err(CheckinError::AlreadyRunning { kind: self.kind });
        }
        self.next_due = Duration::ZERO;
        self.not_before = Duration::ZERO;
        Ok(())
    }

    /// New timing from `now`: a pending run is brought forward if the new timing would
    /// run it sooner (never before a `Retry-After`); the cursor and history are kept.
    pub(crate) fn retime(&mut self, timing: Timing, now: Duration, entropy: u32) {
        self.timing = timing;
        if self.running_since.is_some() {
            return;
        }
        let wait = if self.failures == 0 {
            timing.success_delay(entropy)
        } else {
            timing.backoff_delay(self.failures, entropy)
        };
        self.next_due = self.next_due.min(now.saturating_add(wait)).max(self.not_before);
    }

    pub(crate) fn status(&self, now: Duration) -> CheckinStatus {
        CheckinStatus {
            kind: self.kind,
            supported: self.supported,
            long_poll: self.long_poll,
            interval: self.timing.interval,
            running_since: self.running_since,
            last_run: self.last_run,
            last_error: self.last_error.clone(),
            next_run_in: self.pending_due().map(|due| due.saturating_sub(now)),
            consecutive_failures: self.failures,
            has_cursor: self.cursor.is_some(),
            counts: self.counts,
        }
    }
}
