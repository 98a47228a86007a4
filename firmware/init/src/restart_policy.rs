//! When to start the daemon again after it stopped: exponential back-off, forgiven after
//! a long enough healthy run.

use std::time::Duration;

/// The first delay after a crash.
const FIRST_DELAY: Duration = Duration::from_secs(1);
/// The longest delay.
const MAX_DELAY: Duration = Duration::from_secs(60);
/// A run at least this long counts as healthy and resets the back-off.
const HEALTHY_RUN: Duration = Duration::from_secs(60);

/// The back-off state of one supervised program.
#[derive(Debug, Default)]
pub(crate) struct RestartPolicy {
    failures: u32,
}

impl RestartPolicy {
    /// The program stopped after running for `ran_for`: how long to wait before starting it
    /// again.
    pub(crate) fn on_exit(&mut self, ran_for: Duration) -> Duration {
        if ran_for >= HEALTHY_RUN {
            self.failures = 0;
        }
        let delay = FIRST_DELAY.saturating_mul(1u32 << self.failures.min(16)).min(MAX_DELAY);
        self.failures = self.failures.saturating_add(1);
        delay
    }

    /// How many times in a row the program stopped soon after starting.
    pub(crate) fn failures(&self) -> u32 {
        self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_crashes_back_off_exponentially_up_to_a_minute() {
        let mut policy = RestartPolicy::default();
        let delays: Vec<u64> = (0..9).map(|_| policy.on_exit(Duration::from_millis(200)).as_secs()).collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 60, 60, 60]);
        assert_eq!(policy.failures(), 9);
    }

    #[test]
    fn a_healthy_run_forgives_earlier_crashes() {
        let mut policy = RestartPolicy::default();
        for _ in 0..5 {
            policy.on_exit(Duration::from_secs(1));
        }
        assert_eq!(policy.on_exit(HEALTHY_RUN), FIRST_DELAY);
        assert_eq!(policy.on_exit(Duration::from_secs(1)), FIRST_DELAY * 2);
    }

    #[test]
    fn thousands_of_crashes_do_not_overflow() {
        let mut policy = RestartPolicy::default();
        for _ in 0..10_000 {
            assert!(policy.on_exit(Duration::ZERO) <= MAX_DELAY);
        }
    }
}
