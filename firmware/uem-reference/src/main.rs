//! `postern-uem`: the reference UEM server (Postern UEM API v1 over HTTPS) and its admin
//! command.

mod admin;
mod admin_client;
mod admin_token;
mod api;
mod api_devices;
mod api_feeds;
mod api_gateways;
mod cli;
mod faults;
mod feed;
mod holders;
mod http;
mod persist;
mod serve;
mod server;
mod state;
mod store;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("postern-uem: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match cli.command {
            cli::Command::Serve(args) => serve::run(args).await.map_err(|e| e.to_string()),
            cli::Command::Admin { url, state, token_file, command } => {
                admin_client::run(&url, state, token_file, command)
                    .await
                    .map(|text| {
                        if !text.is_empty() {
                            println!("{text}");
                        }
                    })
                    .map_err(|e| e.to_string())
            }
        }
    });
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("postern-uem: {message}");
            ExitCode::FAILURE
        }
    }
}
