//! Running the daemon in an async runtime sized to the machine, and what a `reload` does.

use crate::args::Args;
use crate::daemon;
use std::process::ExitCode;

/// The exit status that asks the appliance's init to reboot (see `postern-init`).
const EXIT_REBOOT: u8 = 11;

/// When this process started: its start-up time is logged against it.
static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// Notes this moment as the process's start, once; start-up milestones are logged against it.
pub fn mark_started() {
    STARTED.get_or_init(std::time::Instant::now);
}

/// Milliseconds since the process started.
pub(crate) fn startup_ms() -> u64 {
    STARTED.get().map_or(0, |t| t.elapsed().as_millis() as u64)
}

/// Runs the daemon until it is stopped or reloaded; a reload re-executes the process, or
/// under init (`--supervised`) asks init to reboot.
pub fn serve(args: &Args, logs: postern_logging::RecentEvents) -> ExitCode {
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
