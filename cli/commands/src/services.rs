//! The daemon's asynchronous work that CLI commands wait for. The CLI runs on threads of
//! its own and holds no async runtime: the daemon runs each of these on its own and
//! answers when it is done.

use postern_decision::{Decision, EasRequest, UemDeviceId};
use postern_update_agent::{InstallProgress, Installed, Source, UpdateAgent};
use std::path::Path;

/// What `test activesync`, `test apptunnel` and `software install` ask of the daemon.
pub trait Services: Send + Sync {
    /// Decides an ActiveSync access as the proxy would (and records it like one); the error
    /// says why no decision was made.
    fn activesync_access(&self, request: EasRequest) -> Result<Decision, String>;
    /// Decides an AppTunnel access for `device`'s `app` to `service`, as the proxy would.
    fn apptunnel_access(&self, device: UemDeviceId, app: String, service: String) -> Result<Decision, String>;
    /// Verifies the bundle at `source` while writing it into the inactive slot, reporting
    /// each step into `progress`, which the caller reads from another thread meanwhile.
    fn install(
        &self,
        agent: &UpdateAgent,
        source: &Source,
        ca_file: Option<&Path>,
        now_unix: u64,
        progress: &InstallProgress,
    ) -> Result<Installed, String>;
}
