//! `postern -c "show version"`: runs CLI lines through the local scripting socket.
//!
//! Exit status: 0 when every command succeeded, 1 when one failed, 2 on a usage or connection error.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use postern_cli_transport::{run_lines, split_lines};

/// Runs Postern CLI commands non-interactively.
#[derive(Debug, Parser)]
#[command(name = "postern", version)]
struct Args {
    /// Command lines to run; repeat the option or separate lines with `;`.
    #[arg(short = 'c', long = "command", required = true, value_name = "LINES")]
    commands: Vec<String>,
    /// The CLI socket.
    #[arg(long, value_name = "PATH", default_value = "/run/postern/cli.sock")]
    socket: PathBuf,
    /// Seconds to wait for the gateway.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let lines = split_lines(args.commands.iter().map(String::as_str));
    if lines.is_empty() {
        eprintln!("postern: no command given");
        return ExitCode::from(2);
    }
    match run_lines(&args.socket, lines, Duration::from_secs(args.timeout.max(1))) {
        Ok(response) => {
            print!("{}", response.output);
            ExitCode::from(if response.success { 0 } else { 1 })
        }
        Err(error) => {
            eprintln!("postern: {error}");
            ExitCode::from(2)
        }
    }
}
