//! `postern-agent`: the endpoint agent. `run` keeps the control channel to the gateway up
//! (always on, resumed silently with the session cookie); `status` prints the state and
//! the protected resources, with an exit code per state; `disconnect` closes the data
//! channel.

mod channel;
mod config;
mod control;
mod data;
mod dns_server;
mod error;
mod posture;
mod resolv_conf;
mod split_dns;
mod status;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// The endpoint agent.
#[derive(Parser, Debug)]
#[command(name = "postern-agent", version, about = "Postern's endpoint agent")]
struct Args {
    /// The configuration file.
    #[arg(long, default_value = "/etc/postern-agent/agent.toml")]
    config: PathBuf,
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Keep the control channel up until stopped (SIGTERM, SIGINT).
    Run,
    /// Print the state and the resources. Exit code: 0 connected, 2 starting or
    /// reconnecting, 3 refused, 4 revoked, 5 not running, 1 error.
    Status,
    /// Close the data channel now (every flow reset); the next flow to a protected
    /// destination opens it again. Exit code: 0 asked, 5 not running, 1 error.
    Disconnect,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match config::AgentConfig::load(&args.config) {
        Ok(config) => config,
        Err(error) => {
            eprintln!("postern-agent: {error}");
            return ExitCode::from(status::exit::ERROR);
        }
    };
    match args.command {
        Command::Status => {
            let (text, code) = status::report(&config.status_file());
            print!("{text}");
            if code != status::exit::NOT_RUNNING {
                print!("{}", posture::status_lines(&config.posture_file()));
            }
            ExitCode::from(code)
        }
        Command::Disconnect => {
            let (text, code) = data::request_disconnect(&config.status_file());
            print!("{text}");
            ExitCode::from(code)
        }
        Command::Run => {
            let _logs = postern_logging::init("info", false);
            let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                Ok(runtime) => runtime,
                Err(error) => {
                    eprintln!("postern-agent: cannot start: {error}");
                    return ExitCode::from(status::exit::ERROR);
                }
            };
            let _ = std::fs::remove_file(config.posture_file());
            if let Some(settings) = &config.posture {
                match channel::tls_config(&config) {
                    Ok(tls) => posture::start(settings.clone(), tls, config.posture_file()),
                    Err(error) => {
                        eprintln!("postern-agent: posture reporting cannot start: {error}");
                        return ExitCode::from(status::exit::ERROR);
                    }
                }
            }
            let (resources, announced) = tokio::sync::watch::channel(Vec::new());
            runtime.block_on(async {
                let split_dns = match &config.dns {
                    Some(settings) => match split_dns::SplitDns::start(settings, &config.state_dir, announced).await {
                        Ok(split_dns) => Some(split_dns),
                        Err(error) => {
                            tracing::error!(%error, "split DNS cannot start: postern-agent stopped");
                            return ExitCode::from(status::exit::ERROR);
                        }
                    },
                    None => None,
                };
                let stop = async {
                    let term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
                    match term {
                        Ok(mut term) => tokio::select! {
                            _ = term.recv() => {},
                            _ = tokio::signal::ctrl_c() => {},
                        },
                        Err(_) => {
                            let _ = tokio::signal::ctrl_c().await;
                        }
                    }
                };
                let code = tokio::select! {
                    result = channel::run(config, resources) => match result {
                        Ok(()) => ExitCode::SUCCESS,
                        Err(error) => {
                            tracing::error!(%error, "postern-agent stopped");
                            ExitCode::from(status::exit::ERROR)
                        }
                    },
                    () = stop => {
                        tracing::info!("postern-agent stopped");
                        ExitCode::SUCCESS
                    }
                };
                if let Some(split_dns) = split_dns {
                    split_dns.stop();
                }
                code
            })
        }
    }
}
