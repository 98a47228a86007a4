//! Boot assessment: is the system that booted healthy (posternd serving its CLI socket for
//! a few seconds)? A slot on trial that is not gives up its boot, so that the boot loader's
//! tries counter runs down and the previous slot comes back.

use std::time::{Duration, Instant};

/// How long posternd must have been up and answering before the system counts as healthy.
const SETTLE: Duration = Duration::from_secs(3);
/// Crashes of posternd before a slot on trial gives up.
const MAX_FAILURES: u32 = 3;
/// How long a slot on trial gets to become healthy (generous: software emulation is slow).
const DEADLINE: Duration = Duration::from_secs(180);

/// What to do after an observation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Keep watching.
    Wait,
    /// Healthy for the first time: mark the slot good.
    Healthy,
    /// A slot on trial failed: reboot to use up one of its tries.
    GiveUp,
}

/// The health of the running system since boot.
#[derive(Debug)]
pub(crate) struct HealthWatch {
    on_trial: bool,
    booted: Instant,
    up_since: Option<Instant>,
    failures: u32,
    healthy: bool,
}

impl HealthWatch {
    /// Watching a system booted at `now`; `on_trial` when its slot still has a tries counter.
    pub(crate) fn new(now: Instant, on_trial: bool) -> Self {
        Self { on_trial, booted: now, up_since: None, failures: 0, healthy: false }
    }

    /// posternd started.
    pub(crate) fn started(&mut self, now: Instant) {
        self.up_since = Some(now);
    }

    /// posternd stopped unexpectedly.
    pub(crate) fn stopped(&mut self, now: Instant) -> Verdict {
        self.up_since = None;
        if !self.healthy {
            self.failures += 1;
        }
        self.judge(now)
    }

    /// The result of probing posternd's CLI socket.
    pub(crate) fn probed(&mut self, now: Instant, answered: bool) -> Verdict {
        if self.healthy {
            return Verdict::Wait;
        }
        if answered && self.up_since.is_some_and(|t| now.duration_since(t) >= SETTLE) {
            self.healthy = true;
            return Verdict::Healthy;
        }
        self.judge(now)
    }

    /// Whether the system has been healthy.
    pub(crate) fn is_healthy(&self) -> bool {
        self.healthy
    }

    fn judge(&self, now: Instant) -> Verdict {
        let failed = self.failures >= MAX_FAILURES || now.duration_since(self.booted) > DEADLINE;
        if self.on_trial && !self.healthy && failed { Verdict::GiveUp } else { Verdict::Wait }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daemon_answering_for_a_few_seconds_is_healthy_once() {
        let t0 = Instant::now();
        let mut watch = HealthWatch::new(t0, true);
        watch.started(t0);
        assert_eq!(watch.probed(t0 + Duration::from_secs(1), true), Verdict::Wait, "not settled yet");
        assert_eq!(watch.probed(t0 + SETTLE, true), Verdict::Healthy);
        assert_eq!(watch.probed(t0 + SETTLE * 2, true), Verdict::Wait, "reported once");
        assert!(watch.is_healthy());
    }

    #[test]
    fn a_slot_on_trial_gives_up_after_repeated_crashes() {
        let t0 = Instant::now();
        let mut watch = HealthWatch::new(t0, true);
        for i in 1..MAX_FAILURES {
            watch.started(t0);
            assert_eq!(watch.stopped(t0 + Duration::from_secs(u64::from(i))), Verdict::Wait);
        }
        watch.started(t0);
        assert_eq!(watch.stopped(t0 + Duration::from_secs(10)), Verdict::GiveUp);
    }

    #[test]
    fn a_slot_on_trial_gives_up_when_never_answering() {
        let t0 = Instant::now();
        let mut watch = HealthWatch::new(t0, true);
        watch.started(t0);
        assert_eq!(watch.probed(t0 + Duration::from_secs(60), false), Verdict::Wait);
        assert_eq!(watch.probed(t0 + DEADLINE + Duration::from_secs(1), false), Verdict::GiveUp);
    }

    #[test]
    fn a_good_slot_never_gives_up_and_crashes_after_health_do_not_count() {
        let t0 = Instant::now();
        let mut good = HealthWatch::new(t0, false);
        for _ in 0..10 {
            good.started(t0);
            assert_eq!(good.stopped(t0 + DEADLINE * 2), Verdict::Wait);
        }
        let mut trial = HealthWatch::new(t0, true);
        trial.started(t0);
        assert_eq!(trial.probed(t0 + SETTLE, true), Verdict::Healthy);
        for _ in 0..10 {
            assert_eq!(trial.stopped(t0 + DEADLINE * 2), Verdict::Wait);
        }
    }
}
