//! How far an install has come, for whoever shows it while it runs.

use crate::UpdateError;
use crate::source::BundleSink;
use core::fmt;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

/// The steps of an install, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum InstallPhase {
    /// The bundle's bytes are arriving (and, without an install helper, are verified and
    /// written as they come).
    Receiving,
    /// The whole bundle is here: its signature and digests are checked and the inactive
    /// slot is written.
    Verifying,
}

impl InstallPhase {
    const ALL: [InstallPhase; 2] = [InstallPhase::Receiving, InstallPhase::Verifying];

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for InstallPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InstallPhase::Receiving => "receiving the bundle",
            InstallPhase::Verifying => "verifying the signature and writing the inactive slot",
        })
    }
}

/// An install's progress, shared between the install and whoever shows it: the phases
/// reached so far (none is lost however rarely it is looked at) and the bytes received.
#[derive(Debug, Default)]
pub struct InstallProgress {
    phases: AtomicU8,
    received: AtomicU64,
    /// The bundle's length plus one when known; 0 when not.
    total: AtomicU64,
}

impl InstallProgress {
    /// The phases reached since `seen` (a value this returned before, 0 at first), in
    /// order, and the value to pass next time.
    pub fn phases_since(&self, seen: u8) -> (Vec<InstallPhase>, u8) {
        let now = self.phases.load(Ordering::Acquire);
        let new = InstallPhase::ALL.into_iter().filter(|p| now & p.bit() != 0 && seen & p.bit() == 0).collect();
        (new, now)
    }

    /// Bytes of the bundle received so far.
    pub fn received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// The bundle's length, when known before it is read (a file's size).
    pub fn total(&self) -> Option<u64> {
        self.total.load(Ordering::Relaxed).checked_sub(1)
    }

    pub(crate) fn enter(&self, phase: InstallPhase) {
        self.phases.fetch_or(phase.bit(), Ordering::Release);
    }

    pub(crate) fn expect(&self, total: Option<u64>) {
        self.total.store(total.map_or(0, |t| t.saturating_add(1)), Ordering::Relaxed);
    }
}

/// A sink that counts what passes into `inner`.
pub(crate) struct Counted<'a> {
    pub(crate) inner: &'a mut dyn BundleSink,
    pub(crate) progress: &'a InstallProgress,
}

impl BundleSink for Counted<'_> {
    fn feed(&mut self, chunk: &[u8]) -> Result<(), UpdateError> {
        self.inner.feed(chunk)?;
        self.progress.received.fetch_add(chunk.len() as u64, Ordering::Relaxed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_phase_reached_is_reported_once_and_in_order() {
        let progress = InstallProgress::default();
        assert_eq!(progress.phases_since(0), (vec![], 0));
        progress.enter(InstallPhase::Receiving);
        progress.enter(InstallPhase::Verifying);
        let (phases, seen) = progress.phases_since(0);
        assert_eq!(phases, [InstallPhase::Receiving, InstallPhase::Verifying]);
        assert_eq!(progress.phases_since(seen).0, []);
        assert_eq!(progress.total(), None);
        progress.expect(Some(0));
        assert_eq!(progress.total(), Some(0));
    }
}
