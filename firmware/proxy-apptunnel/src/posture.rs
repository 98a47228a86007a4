//! Realm and role posture (H4): a device whose last Host Checker assessment did not pass
//! a realm policy is refused before the UEM is asked; a service some role guards admits
//! it only through a role of its user whose policies it passed, checked once the gateway
//! allowed the tunnel. Refusals carry `posture-failed:<policy>` or `no-role`.

use std::fmt;
use std::sync::Arc;

/// Where the proxy learns whether a device may reach a service.
pub trait PostureGate: Send + Sync {
    /// Realm level: the refusal reason when UEM device `device` has not passed a realm
    /// policy (a device never assessed has not).
    fn realm(&self, device: &str) -> Option<String>;
    /// Role level: the refusal reason when no role of the device's user that opens
    /// `service` has its policies passed; `None` also for a service no role guards.
    fn role(&self, device: &str, service: &str) -> Option<String>;
}

/// The gate the proxy consults; the daemon follows committed roles behind it.
#[derive(Clone)]
pub struct PostureRequirements {
    /// The gate.
    pub gate: Arc<dyn PostureGate>,
}

impl fmt::Debug for PostureRequirements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostureRequirements").finish_non_exhaustive()
    }
}

/// The metrics outcome of a refusal reason.
pub(crate) fn outcome(reason: &str) -> &'static str {
    if reason == "no-role" { "no-role" } else { "posture-failed" }
}
