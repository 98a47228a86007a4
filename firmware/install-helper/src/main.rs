//! `postern-install-helper`: the one process that may write the EFI system partition.
//!
//! init starts it as root before posternd. It listens on a Unix socket that only root and
//! the daemon's group can reach, takes one request per connection from the daemon's user
//! (an install, with the bundle's open file descriptor attached, or a rollback), makes the
//! partition writable for exactly that write, and answers with one line. The daemon itself
//! only sees the partition read-only, so code running in the internet-facing proxy cannot
//! change what boots.

mod args;
mod error;
mod esp_window;
mod listener;
mod request;

use std::process::ExitCode;

fn main() -> ExitCode {
    let _logs = postern_logging::init("info", false);
    let args = match args::Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("postern-install-helper: {e}");
            return ExitCode::from(2);
        }
    };
    match listener::serve(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "the install helper stopped");
            ExitCode::FAILURE
        }
    }
}
