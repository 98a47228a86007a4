//! The daemon's life: open the stores, serve the CLI, revert unconfirmed commits, stop or
//! reload on request.

use crate::args::Args;
use crate::cli_sessions::Sessions;
use crate::error::DaemonError;
use crate::state::{open_cache, open_store};
use postern_cli_commands::{Appliance, postern_grammar};
use postern_cli_transport::{SerialConfig, Server, ServerConfig, SshConfig};
use postern_logging::RecentEvents;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::Notify;

/// How the daemon ended.
pub(crate) enum Exit {
    /// Stopped by a signal or the console closing.
    Stopped,
    /// An administrator asked for `reload`: start again.
    Reload,
}

fn unix_now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Runs until stopped or reloaded.
pub(crate) async fn run(args: &Args, logs: RecentEvents) -> Result<Exit, DaemonError> {
    let store = open_store(args)?;
    let cache = open_cache(args, store.running())?;
    let reload = Arc::new(Notify::new());
    let on_reload = reload.clone();
    let appliance = Arc::new(Appliance::new(store, cache, logs, unix_now, Box::new(move || on_reload.notify_one())));
    let grammar = Arc::new(postern_grammar().map_err(|e| DaemonError::Grammar(e.to_string()))?);
    if let Some(parent) = args.socket.parent() {
        std::fs::create_dir_all(parent).map_err(|source| DaemonError::Io { path: parent.to_path_buf(), source })?;
    }
    let config = ServerConfig {
        ssh: args.ssh_listen.map(|listen| SshConfig::new(listen, args.state_dir.join("ssh"))),
        socket: Some(args.socket.clone()),
        serial: match (&args.serial, args.console) {
            (Some(device), _) => Some(SerialConfig::Device(device.clone())),
            (None, true) => Some(SerialConfig::Stdio),
            (None, false) => None,
        },
    };
    let server = Server::start(config, Arc::new(Sessions::new(appliance.clone(), grammar))).await?;
    if let Some(addr) = server.ssh_addr() {
        tracing::info!(%addr, "SSH CLI listening");
    }
    tracing::info!(socket = %args.socket.display(), version = postern_cli_commands::VERSION, "posternd ready");

    let mut term = signal(SignalKind::terminate()).map_err(|source| DaemonError::Io { path: "SIGTERM".into(), source })?;
    let mut int = signal(SignalKind::interrupt()).map_err(|source| DaemonError::Io { path: "SIGINT".into(), source })?;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let exit = loop {
        tokio::select! {
            _ = term.recv() => break Exit::Stopped,
            _ = int.recv() => break Exit::Stopped,
            () = reload.notified() => break Exit::Reload,
            _ = tick.tick() => {
                if let Err(e) = appliance.tick() {
                    tracing::error!(error = %e, "reverting an unconfirmed commit failed");
                }
            }
        }
    };
    tracing::info!(reload = matches!(exit, Exit::Reload), "posternd stopping");
    server.shutdown().await?;
    Ok(exit)
}

/// Replaces this process with a fresh `posternd` with the same arguments.
pub(crate) fn reexec() -> ExitCode {
    use std::os::unix::process::CommandExt;
    let error = match std::env::current_exe() {
        Ok(exe) => std::process::Command::new(exe).args(std::env::args_os().skip(1)).exec(),
        Err(e) => e,
    };
    eprintln!("posternd: reload failed: {error}");
    ExitCode::FAILURE
}
