//! Starts the configured transports around one session factory and stops them together.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::error::TransportError;
use crate::serial::{Console, SerialConfig};
use crate::session::SessionFactory;
use crate::socket_server::SocketListener;
use crate::ssh_rebind::SshRebind;
use crate::ssh_server::{BoundSsh, SshConfig, SshListener};

/// Which transports to run; each one left `None` is not started.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// The SSH server.
    pub ssh: Option<SshConfig>,
    /// The scripting socket's path (the daemon uses `/run/postern/cli.sock`).
    pub socket: Option<PathBuf>,
    /// The serial console.
    pub serial: Option<SerialConfig>,
    /// More consoles offering the same CLI (the screen's virtual terminal, a second
    /// serial port): each that opens gets its own session; one that cannot be opened is
    /// logged and left out, so a box without it still starts.
    pub more_consoles: Vec<SerialConfig>,
}

type TaskResult = (&'static str, Result<(), TransportError>);

/// The running transports.
pub struct Server {
    ssh_addr: Option<SocketAddr>,
    ssh_rebind: Option<SshRebind>,
    stop: watch::Sender<bool>,
    tasks: JoinSet<TaskResult>,
}

/// Every configured transport bound (sockets and console opened) but not yet serving:
/// nothing has been read from a client, and no key file has been read.
pub struct BoundServer {
    ssh: Option<BoundSsh>,
    socket: Option<SocketListener>,
    console: Option<Console>,
    serial: Option<SerialConfig>,
    more_consoles: Vec<(SerialConfig, Console)>,
}

impl BoundServer {
    /// Binds every configured transport, failing before anything serves if one cannot.
    /// Must be called inside a tokio runtime.
    pub async fn bind(config: ServerConfig) -> Result<Self, TransportError> {
        let ssh = match config.ssh {
            Some(ssh) => Some(BoundSsh::bind(ssh).await?),
            None => None,
        };
        let socket = config.socket.as_deref().map(SocketListener::bind).transpose()?;
        let console = config.serial.as_ref().map(Console::open).transpose()?;
        let mut more_consoles = Vec::new();
        for extra in config.more_consoles {
            match Console::open(&extra) {
                Ok(console) => more_consoles.push((extra, console)),
                Err(error) => tracing::warn!(console = ?extra, %error, "console left out"),
            }
        }
        Ok(Self { ssh, socket, console, serial: config.serial, more_consoles })
    }

    /// The address the SSH socket is bound to, if SSH is configured.
    pub fn ssh_addr(&self) -> Option<SocketAddr> {
        self.ssh.as_ref().and_then(BoundSsh::local_addr)
    }

    /// Reads the SSH host key (making one on first use), then serves every transport in
    /// the background.
    pub fn serve(self, factory: Arc<dyn SessionFactory>) -> Result<Server, TransportError> {
        let ssh = self.ssh.map(BoundSsh::ready).transpose()?;
        let (stop, stopped) = watch::channel(false);
        let mut tasks = JoinSet::new();
        let ssh_addr = ssh.as_ref().and_then(SshListener::local_addr);
        let ssh_rebind = ssh.as_ref().map(SshListener::rebind);
        if let Some(ssh) = ssh {
            tracing::info!(addr = ?ssh_addr, "ssh server listening");
            let (factory, stopped) = (Arc::clone(&factory), stopped.clone());
            tasks.spawn(async move {
                ssh.serve(factory, stopped).await;
                ("ssh", Ok(()))
            });
        }
        if let Some(socket) = self.socket {
            let (factory, stopped) = (Arc::clone(&factory), stopped.clone());
            tasks.spawn(async move {
                socket.serve(factory, stopped).await;
                ("socket", Ok(()))
            });
        }
        for (config, console) in self.more_consoles {
            tracing::info!(console = ?config, "console starting");
            let (factory, stopped) = (Arc::clone(&factory), stopped.clone());
            tasks.spawn_blocking(move || ("console", console.run(factory, stopped)));
        }
        if let Some(console) = self.console {
            tracing::info!(console = ?self.serial, "serial console starting");
            tasks.spawn_blocking(move || ("serial", console.run(factory, stopped)));
        }
        Ok(Server { ssh_addr, ssh_rebind, stop, tasks })
    }
}

impl Server {
    /// Binds every configured transport (failing before serving anything if one cannot start),
    /// then serves them in the background. Must be called inside a tokio runtime.
    pub async fn start(config: ServerConfig, factory: Arc<dyn SessionFactory>) -> Result<Self, TransportError> {
        BoundServer::bind(config).await?.serve(factory)
    }

    /// The address the SSH server was bound to when it started, if it runs.
    pub fn ssh_addr(&self) -> Option<SocketAddr> {
        self.ssh_addr
    }

    /// What moves the running SSH server to another socket; `None` when SSH was not
    /// started.
    pub fn ssh_rebind(&self) -> Option<SshRebind> {
        self.ssh_rebind.clone()
    }

    /// Stops every transport: listeners close, SSH clients are disconnected, the socket file is
    /// removed, the console's terminal settings are restored. Returns the first transport error.
    pub async fn shutdown(mut self) -> Result<(), TransportError> {
        let _ = self.stop.send(true);
        let mut first_error = None;
        while let Some(joined) = self.tasks.join_next().await {
            let error = match joined {
                Ok((_, Ok(()))) => continue,
                Ok((_, Err(error))) => error,
                Err(error) => TransportError::Task { transport: "transport", reason: error.to_string() },
            };
            tracing::warn!(%error, "transport ended with an error");
            first_error.get_or_insert(error);
        }
        first_error.map_or(Ok(()), Err)
    }
}
