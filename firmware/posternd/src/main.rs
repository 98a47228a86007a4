//! `posternd`: the Postern gateway daemon.

mod accs_store;
mod accs_sync;
mod agent;
mod agent_connection;
mod agent_sessions;
mod args;
mod checkins;
mod cli_sessions;
mod daemon;
mod data_plane;
mod error;
#[cfg(feature = "federation")]
mod federation;
#[cfg(not(feature = "federation"))]
#[path = "federation_absent.rs"]
mod federation;
mod host_checker;
mod host_checker_sasl;
mod host_checker_session;
mod host_checker_sessions;
mod https_client;
mod identity_fallback;
mod live;
mod live_access;
mod management;
mod patch_list_fetch;
mod patch_list_store;
mod posture_access;
mod posture_cuts;
mod posture_results;
mod proxy_protocol;
mod remediation_hook;
mod remediation_queue;
#[cfg(feature = "federation")]
mod revocation;
#[cfg(feature = "federation")]
mod revocation_calls;
mod sign_in_failures;
mod sign_in_reports;
mod sign_in_upload;
mod sign_ins;
mod state;
mod tls;
mod uem_settings;

use clap::Parser;
use std::process::ExitCode;

/// The exit status that asks the appliance's init to reboot (see `postern-init`).
const EXIT_REBOOT: u8 = 11;

/// When this process started: its start-up time is logged against it.
pub(crate) static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Milliseconds since the process started.
pub(crate) fn startup_ms() -> u64 {
    STARTED.get().map_or(0, |t| t.elapsed().as_millis() as u64)
}

fn main() -> ExitCode {
    STARTED.get_or_init(std::time::Instant::now);
    let args = args::Args::parse();
    let logs = postern_logging::init_batched(&args.log_filter, args.log_json);
    let status = serve(&args, logs);
    postern_logging::flush();
    status
}

fn serve(args: &args::Args, logs: postern_logging::RecentEvents) -> ExitCode {
    let workers =
        args.worker_threads.map_or_else(|| std::thread::available_parallelism().map_or(2, usize::from), usize::from);
    tracing::info!(workers, "async runtime");
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(daemon::run(args, logs)) {
        Ok(daemon::Exit::Stopped) => ExitCode::SUCCESS,
        Ok(daemon::Exit::Reload) if args.supervised => {
            tracing::info!(status = EXIT_REBOOT, "reload: asking init to reboot the appliance");
            ExitCode::from(EXIT_REBOOT)
        }
        Ok(daemon::Exit::Reload) => {
            drop(runtime);
            postern_logging::flush();
            daemon::reexec()
        }
        Err(e) => {
            tracing::error!(error = %e, "posternd stopped");
            postern_logging::flush();
            eprintln!("posternd: {e}");
            ExitCode::FAILURE
        }
    }
}
