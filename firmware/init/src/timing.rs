//! How long each boot step takes, logged as it ends, so that a slow boot shows where its
//! time went on the console.

use std::time::{Duration, Instant};

/// The time since the kernel started (`CLOCK_BOOTTIME`), zero if it cannot be read.
pub(crate) fn since_kernel_start() -> Duration {
    nix::time::clock_gettime(nix::time::ClockId::CLOCK_BOOTTIME).map(Duration::from).unwrap_or_default()
}

/// Runs `step`, then logs its name, its duration and the time since the kernel started.
pub(crate) fn step<T>(name: &'static str, step: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let result = step();
    tracing::info!(
        step = name,
        ms = start.elapsed().as_millis() as u64,
        since_kernel_ms = since_kernel_start().as_millis() as u64,
        "boot step done"
    );
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_returns_its_result_and_the_kernel_clock_runs() {
        let before = since_kernel_start();
        assert_eq!(step("test", || 42), 42);
        assert!(before > Duration::ZERO, "CLOCK_BOOTTIME reads");
        assert!(since_kernel_start() >= before);
    }
}
