//! `postern-portal`: the reference administrative portal (the gateway API over HTTPS) and
//! its admin command.

mod admin;
mod api;
mod cli;
mod faults;
mod http;
mod serve;
mod store;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let outcome = match cli.command {
        cli::Command::Serve(args) => {
            match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
                Ok(runtime) => runtime.block_on(serve::run(args)).map(|()| String::new()).map_err(|e| e.to_string()),
                Err(e) => Err(format!("cannot start the runtime: {e}")),
            }
        }
        cli::Command::Admin { state, command } => admin::run(&state, command).map_err(|e| e.to_string()),
    };
    match outcome {
        Ok(text) => {
            if !text.is_empty() {
                println!("{text}");
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("postern-portal: {message}");
            ExitCode::FAILURE
        }
    }
}
