//! Tests wait for a condition with a deadline, never for a fixed time: on a loaded machine
//! anything may take longer, and a test must not pass or fail by the scheduler's luck.

use std::time::{Duration, Instant};

/// How long [`eventually`] waits: long enough for a loaded two-core machine.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// How often the condition is checked.
const PAUSE: Duration = Duration::from_millis(10);

/// Waits until `cond` holds or [`DEADLINE`] passes; returns whether it held.
pub async fn eventually(cond: impl Fn() -> bool) -> bool {
    eventually_within(DEADLINE, cond).await
}

/// Waits until `cond` holds or `deadline` passes; returns whether it held.
pub async fn eventually_within(deadline: Duration, cond: impl Fn() -> bool) -> bool {
    let until = Instant::now() + deadline;
    while Instant::now() < until {
        if cond() {
            return true;
        }
        tokio::time::sleep(PAUSE).await;
    }
    cond()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn a_condition_that_comes_true_is_seen_and_one_that_never_does_is_not() {
        let checks = AtomicU32::new(0);
        assert!(eventually(|| checks.fetch_add(1, Ordering::Relaxed) >= 3).await);
        let started = Instant::now();
        assert!(!eventually_within(Duration::from_millis(50), || false).await);
        assert!(started.elapsed() >= Duration::from_millis(50), "it waited the whole deadline");
    }
}
