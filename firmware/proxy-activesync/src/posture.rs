//! Role-level posture on the ActiveSync back end (H4): a device the gateway allows is
//! still refused while its UEM device's last Host Checker assessment did not pass every
//! policy the back end requires, with `X-Postern-Reason: posture-failed:<policy>`.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

/// Where the proxy learns whether a device passed a policy.
pub trait DevicePosture: Send + Sync {
    /// Whether UEM device `device`'s last assessment passed `policy` (a device never
    /// assessed has not).
    fn passed(&self, device: &str, policy: &str) -> bool;
}

/// The policies the back end requires, and where the results are.
#[derive(Clone)]
pub struct ActiveSyncPosture {
    /// The policies every device must pass; the daemon replaces them when a commit
    /// changes them (empty: no check).
    pub policies: Arc<RwLock<Vec<String>>>,
    /// The results.
    pub results: Arc<dyn DevicePosture>,
}

impl fmt::Debug for ActiveSyncPosture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveSyncPosture").field("policies", &self.policies).finish_non_exhaustive()
    }
}

impl ActiveSyncPosture {
    /// The first required policy the UEM device `device` (none when the cache does not
    /// know which it is) has not passed.
    pub(crate) fn failed_policy(&self, device: Option<&str>) -> Option<String> {
        let policies = self.policies.read().unwrap_or_else(PoisonError::into_inner);
        policies.iter().find(|policy| !device.is_some_and(|d| self.results.passed(d, policy))).cloned()
    }
}
