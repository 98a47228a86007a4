//! `posternd`: the Postern gateway daemon (see `postern-appliance`).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    if let Some(status) = postern_appliance::privileged_helper() {
        return status;
    }
    postern_appliance::mark_started();
    let args = postern_appliance::Args::parse();
    let logs = postern_logging::init_batched(&args.log_filter, args.log_json);
    let status = postern_appliance::serve(&args, logs);
    postern_logging::flush();
    status
}
