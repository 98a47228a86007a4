//! The daemon's side of the CLI's [`Services`]: each request runs on the daemon's async
//! runtime while the CLI's thread waits for it.

use postern_cli_commands::Services;
use postern_decision::{Decision, EasRequest, UemDeviceId};
use postern_gateway::Gateway;
use postern_update_agent::{InstallProgress, Installed, Source, UpdateAgent};
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use tokio::runtime::Handle;

/// The gateway's decisions and the update agent's install, run on the daemon's runtime.
pub(crate) struct CliServices {
    gateway: Arc<Gateway>,
    runtime: Handle,
}

impl CliServices {
    /// Runs requests for the CLI on `runtime`.
    pub(crate) fn new(gateway: Arc<Gateway>, runtime: Handle) -> Self {
        Self { gateway, runtime }
    }

    /// Runs `work` on the runtime and waits for it; a plain scoped thread does the waiting,
    /// so this may be called from any thread, a runtime's own included.
    fn wait<T: Send>(&self, work: impl Future<Output = T> + Send) -> Result<T, String> {
        std::thread::scope(|scope| scope.spawn(|| self.runtime.block_on(work)).join())
            .map_err(|_| "the request failed inside the daemon; see `show logging`".to_owned())
    }
}

impl Services for CliServices {
    fn activesync_access(&self, request: EasRequest) -> Result<Decision, String> {
        self.wait(self.gateway.activesync_access(&request))?.map_err(|e| e.to_string())
    }

    fn apptunnel_access(&self, device: UemDeviceId, app: String, service: String) -> Result<Decision, String> {
        self.wait(self.gateway.apptunnel_access(&device, &app, &service))?.map_err(|e| e.to_string())
    }

    fn install(
        &self,
        agent: &UpdateAgent,
        source: &Source,
        ca_file: Option<&Path>,
        now_unix: u64,
        progress: &InstallProgress,
    ) -> Result<Installed, String> {
        self.wait(agent.install_reporting(source, ca_file, now_unix, progress))?.map_err(|e| e.to_string())
    }
}
