//! What keeps unauthenticated floods from pushing real devices out or opening the gateway:
//! "not registered" answers remembered in memory for a short while (no durable write, no
//! eviction of known devices), a budget of first accesses per source address, a bound on
//! concurrent UEM lookups, and one lookup per device at a time. Waiting on our own queue is
//! overload (503 with Retry-After), never an unreachable UEM, so it never selects the
//! outage rules.

use postern_decision::EasDeviceId;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::{OwnedMutexGuard, OwnedSemaphorePermit, Semaphore};

/// How long a "not registered" answer is remembered.
pub const NOT_REGISTERED_TTL: Duration = Duration::from_secs(60);
/// The most "not registered" answers remembered; the oldest go first.
pub const NOT_REGISTERED_MAX: usize = 10_000;
/// First accesses (UEM lookups) one source address may cause per window.
pub const FIRST_ACCESSES_PER_SOURCE: u32 = 60;
/// The window of that budget.
pub const SOURCE_WINDOW: Duration = Duration::from_secs(60);
/// The most source addresses tracked; past it, expired windows are dropped first.
const SOURCES_MAX: usize = 10_000;
/// UEM lookups in flight at once.
pub const LOOKUPS_IN_FLIGHT: usize = 64;
/// How long a first access waits for a lookup slot before it is answered "busy".
pub const LOOKUP_QUEUE_WAIT: Duration = Duration::from_secs(2);
/// What a busy answer tells the client to wait.
pub const RETRY_AFTER: Duration = Duration::from_secs(10);

/// The admission state of one gateway.
pub(crate) struct Admission {
    not_registered: Mutex<NegativeCache>,
    sources: Mutex<HashMap<IpAddr, (u64, u32)>>,
    lookups: Arc<Semaphore>,
    inflight: Mutex<HashMap<EasDeviceId, Arc<tokio::sync::Mutex<()>>>>,
}

/// Remembered "not registered" answers: device → expiry (Unix ms), oldest first.
#[derive(Default)]
struct NegativeCache {
    until: HashMap<EasDeviceId, u64>,
    order: VecDeque<(EasDeviceId, u64)>,
}

impl Default for Admission {
    fn default() -> Self {
        Self {
            not_registered: Mutex::default(),
            sources: Mutex::default(),
            lookups: Arc::new(Semaphore::new(LOOKUPS_IN_FLIGHT)),
            inflight: Mutex::default(),
        }
    }
}

impl Admission {
    /// Whether `device` was answered "not registered" less than the TTL ago.
    pub(crate) fn known_unregistered(&self, device: &EasDeviceId, now_ms: u64) -> bool {
        let cache = self.not_registered.lock().unwrap_or_else(PoisonError::into_inner);
        cache.until.get(device).is_some_and(|&until| until > now_ms)
    }

    /// Remembers a "not registered" answer for the TTL.
    pub(crate) fn remember_unregistered(&self, device: &EasDeviceId, now_ms: u64) {
        let until = now_ms + NOT_REGISTERED_TTL.as_millis() as u64;
        let mut cache = self.not_registered.lock().unwrap_or_else(PoisonError::into_inner);
        while cache.order.len() >= NOT_REGISTERED_MAX {
            let Some((old, at)) = cache.order.pop_front() else { break };
            if cache.until.get(&old) == Some(&at) {
                cache.until.remove(&old);
            }
        }
        cache.until.insert(device.clone(), until);
        cache.order.push_back((device.clone(), until));
    }

    /// Forgets a remembered answer (the device was decided otherwise since).
    pub(crate) fn forget_unregistered(&self, device: &EasDeviceId) {
        self.not_registered.lock().unwrap_or_else(PoisonError::into_inner).until.remove(device);
    }

    /// How many answers are remembered now.
    pub(crate) fn unregistered_len(&self) -> usize {
        self.not_registered.lock().unwrap_or_else(PoisonError::into_inner).until.len()
    }

    /// Takes one first access from `source`'s budget; `false` when it is used up.
    pub(crate) fn charge_source(&self, source: IpAddr, now_ms: u64) -> bool {
        let window = SOURCE_WINDOW.as_millis() as u64;
        let mut sources = self.sources.lock().unwrap_or_else(PoisonError::into_inner);
        if sources.len() >= SOURCES_MAX && !sources.contains_key(&source) {
            sources.retain(|_, (start, _)| now_ms.saturating_sub(*start) < window);
            if sources.len() >= SOURCES_MAX {
                return false;
            }
        }
        let (start, count) = sources.entry(source).or_insert((now_ms, 0));
        if now_ms.saturating_sub(*start) >= window {
            (*start, *count) = (now_ms, 0);
        }
        if *count >= FIRST_ACCESSES_PER_SOURCE {
            return false;
        }
        *count += 1;
        true
    }

    /// A lookup slot, waiting at most the queue wait; `None` when none came free.
    pub(crate) async fn lookup_slot(&self) -> Option<OwnedSemaphorePermit> {
        tokio::time::timeout(LOOKUP_QUEUE_WAIT, self.lookups.clone().acquire_owned()).await.ok()?.ok()
    }

    /// The device's turn: one first access per device at a time (others wait for it).
    pub(crate) async fn device_turn(&self, device: &EasDeviceId) -> DeviceTurn<'_> {
        let lock = {
            let mut inflight = self.inflight.lock().unwrap_or_else(PoisonError::into_inner);
            inflight.entry(device.clone()).or_default().clone()
        };
        let guard = lock.lock_owned().await;
        DeviceTurn { admission: self, device: device.clone(), guard: Some(guard) }
    }
}

/// A device's turn; the next waiting request of the device goes when it is dropped.
pub(crate) struct DeviceTurn<'a> {
    admission: &'a Admission,
    device: EasDeviceId,
    guard: Option<OwnedMutexGuard<()>>,
}

impl Drop for DeviceTurn<'_> {
    fn drop(&mut self) {
        drop(self.guard.take());
        let mut inflight = self.admission.inflight.lock().unwrap_or_else(PoisonError::into_inner);
        // Only the map holds it: nobody waits, so the entry goes (the map stays bounded).
        if inflight.get(&self.device).is_some_and(|lock| Arc::strong_count(lock) == 1) {
            inflight.remove(&self.device);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: usize) -> EasDeviceId {
        EasDeviceId::new(&format!("DEV{n:08}")).expect("id")
    }

    #[test]
    fn unregistered_answers_expire_and_stay_bounded() {
        let admission = Admission::default();
        admission.remember_unregistered(&id(1), 1_000);
        assert!(admission.known_unregistered(&id(1), 1_000 + 59_000));
        assert!(!admission.known_unregistered(&id(1), 1_000 + 60_000));
        for n in 0..NOT_REGISTERED_MAX + 500 {
            admission.remember_unregistered(&id(n + 10), 2_000);
        }
        assert!(admission.unregistered_len() <= NOT_REGISTERED_MAX);
        assert!(admission.known_unregistered(&id(NOT_REGISTERED_MAX + 509), 2_000), "the newest is kept");
        assert!(!admission.known_unregistered(&id(10), 2_000), "the oldest went first");
    }

    #[test]
    fn a_source_has_a_budget_per_window() {
        let admission = Admission::default();
        let source: IpAddr = "192.0.2.7".parse().expect("ip");
        let other: IpAddr = "192.0.2.8".parse().expect("ip");
        for _ in 0..FIRST_ACCESSES_PER_SOURCE {
            assert!(admission.charge_source(source, 0));
        }
        assert!(!admission.charge_source(source, 1_000), "budget used up");
        assert!(admission.charge_source(other, 1_000), "another source is not affected");
        assert!(admission.charge_source(source, 60_000), "a new window");
    }
}
