//! Role-level posture (H4): services that admit a device only while its last Host
//! Checker assessment passed given policies; refused with `posture-failed:<policy>`.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};

/// Where the proxy learns whether a device passed a policy.
pub trait PostureGate: Send + Sync {
    /// Whether `device`'s last assessment passed `policy` (a device never assessed has
    /// not).
    fn passed(&self, device: &str, policy: &str) -> bool;
}

/// The policies each service requires, and the gate that knows the results.
#[derive(Clone)]
pub struct PostureRequirements {
    /// Service name → the policies its devices must pass; the daemon replaces it when
    /// a commit changes it.
    pub by_service: Arc<RwLock<HashMap<String, Vec<String>>>>,
    /// The results.
    pub gate: Arc<dyn PostureGate>,
}

impl fmt::Debug for PostureRequirements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostureRequirements").field("by_service", &self.by_service).finish_non_exhaustive()
    }
}

impl PostureRequirements {
    /// The first policy of `service` that `device` has not passed, if any.
    pub fn failed_policy(&self, service: &str, device: &str) -> Option<String> {
        let by_service = self.by_service.read().unwrap_or_else(PoisonError::into_inner);
        by_service.get(service)?.iter().find(|policy| !self.gate.passed(device, policy)).cloned()
    }
}
