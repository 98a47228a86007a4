//! Realm and role posture on the ActiveSync back end (H4): a device the gateway allows
//! is still refused while its UEM device's last Host Checker assessment did not pass a
//! realm policy, or no role of its user that opens the back end has its policies
//! passed: `X-Postern-Reason: posture-failed:<policy>` or `no-role`.

use std::fmt;
use std::sync::Arc;

/// Where the proxy learns whether a device may reach the back end.
pub trait DevicePosture: Send + Sync {
    /// The refusal reason for the UEM device `device` finds (none when the cache does not
    /// know which it is: a guarded back end then refuses) acting for `user`, or `None`.
    /// `device` reads the device cache's record: the gate calls it only when the answer
    /// can depend on it.
    fn refusal(&self, device: &dyn Fn() -> Option<String>, user: Option<&str>) -> Option<String>;
}

/// The gate the proxy consults; the daemon follows committed roles behind it.
#[derive(Clone)]
pub struct ActiveSyncPosture {
    /// The gate.
    pub results: Arc<dyn DevicePosture>,
}

impl fmt::Debug for ActiveSyncPosture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ActiveSyncPosture").finish_non_exhaustive()
    }
}

/// The metrics outcome of a refusal reason.
pub(crate) fn outcome(reason: &str) -> &'static str {
    if reason == "no-role" { "no-role" } else { "posture-failed" }
}
