//! The SSH listener: bounded connections, per-source limits before a login, a login
//! deadline, and a graceful stop.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use russh::server::Config;
use russh::{Disconnect, MethodKind, MethodSet, SshId};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::error::TransportError;
use crate::host_key::{fingerprint, load_or_create_host_key};
use crate::session::SessionFactory;
use crate::ssh_handler::Connection;
use crate::ssh_rebind::{Accepting, SshRebind};
use crate::ssh_source_limits::{Admission, SourceLimits, SourceLimitsConfig};
use crate::ssh_source_tracker::{SharedLimits, SourceTracker};

/// How the SSH server listens and what it allows.
#[derive(Debug, Clone)]
pub struct SshConfig {
    /// The address to listen on (port 0 picks a free port; see [`crate::Server::ssh_addr`]).
    pub listen: SocketAddr,
    /// The state directory holding the host key (created on first start).
    pub state_dir: PathBuf,
    /// Connections served at once; more are closed as soon as they are accepted.
    pub max_connections: usize,
    /// Per-source limits before a login: unauthenticated connections and failed attempts
    /// per window; a source over them has its new connections closed as soon as accepted.
    pub source_limits: SourceLimitsConfig,
    /// Session channels open at once on one connection.
    pub max_channels: usize,
    /// Authentication attempts allowed on one connection.
    pub max_auth_attempts: usize,
    /// Time from accepting a connection to a successful login.
    pub login_timeout: Duration,
    /// A connection with no traffic for this long is closed.
    pub idle_timeout: Duration,
}

impl SshConfig {
    /// The defaults for `listen` and `state_dir`: 16 connections, 2 channels each, 6 attempts,
    /// 30 s to log in, 15 min idle; per source 4 unauthenticated connections and 10 failed
    /// attempts a minute.
    pub fn new(listen: SocketAddr, state_dir: impl Into<PathBuf>) -> Self {
        SshConfig {
            listen,
            state_dir: state_dir.into(),
            max_connections: 16,
            source_limits: SourceLimitsConfig::default(),
            max_channels: 2,
            max_auth_attempts: 6,
            login_timeout: Duration::from_secs(30),
            idle_timeout: Duration::from_secs(15 * 60),
        }
    }
}

/// A bound SSH socket: connections wait in its backlog until [`SshListener::ready`].
pub(crate) struct BoundSsh {
    listener: TcpListener,
    config: SshConfig,
}

impl BoundSsh {
    /// Binds the listening socket only: no key is read, no connection accepted.
    pub(crate) async fn bind(config: SshConfig) -> Result<Self, TransportError> {
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| TransportError::Listen { addr: config.listen, source })?;
        Ok(Self { listener, config })
    }

    /// The address actually bound.
    pub(crate) fn local_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Loads (or creates) the host key: the listener is then ready to serve.
    pub(crate) fn ready(self) -> Result<SshListener, TransportError> {
        let BoundSsh { listener, config } = self;
        let key = load_or_create_host_key(&config.state_dir)?;
        tracing::info!(fingerprint = %fingerprint(&key), "ssh host key");
        let russh = Arc::new(Config {
            server_id: SshId::Standard("SSH-2.0-Postern".into()),
            methods: MethodSet::from(&[MethodKind::PublicKey][..]),
            auth_rejection_time: Duration::from_millis(500),
            auth_rejection_time_initial: Some(Duration::ZERO),
            keys: vec![key],
            max_auth_attempts: config.max_auth_attempts,
            inactivity_timeout: Some(config.idle_timeout),
            nodelay: true,
            ..Config::default()
        });
        let limits = Arc::new(Mutex::new(SourceLimits::new(config.source_limits)));
        let (rebind, accepting) = SshRebind::new(listener);
        Ok(SshListener { accepting, rebind, config, russh, limits })
    }
}

/// A bound SSH listener with its host key, ready to serve.
pub(crate) struct SshListener {
    accepting: Accepting,
    rebind: SshRebind,
    config: SshConfig,
    russh: Arc<Config>,
    limits: SharedLimits,
}

impl SshListener {
    /// The address actually bound.
    pub(crate) fn local_addr(&self) -> Option<SocketAddr> {
        self.rebind.local_addr()
    }

    /// What moves this server to another socket while it serves.
    pub(crate) fn rebind(&self) -> SshRebind {
        self.rebind.clone()
    }

    /// Accepts connections, on whichever socket [`SshRebind`] gives it last, until `stop`
    /// turns true, then disconnects every client.
    pub(crate) async fn serve(mut self, factory: Arc<dyn SessionFactory>, mut stop: watch::Receiver<bool>) {
        let permits = Arc::new(Semaphore::new(self.config.max_connections));
        let mut connections = JoinSet::new();
        let mut listener = self.accepting.borrow_and_update().clone();
        loop {
            let accepted = tokio::select! {
                _ = stop.wait_for(|s| *s) => break,
                Ok(()) = self.accepting.changed() => {
                    listener = self.accepting.borrow_and_update().clone();
                    let addr = listener.as_ref().and_then(|l| l.local_addr().ok());
                    tracing::info!(addr = ?addr, "ssh server moved to another socket; open sessions kept");
                    continue;
                }
                accepted = accept(listener.as_deref()) => accepted,
                Some(_) = connections.join_next(), if !connections.is_empty() => continue,
            };
            let (stream, addr) = match accepted {
                Ok(pair) => pair,
                Err(error) => {
                    tracing::warn!(%error, "ssh accept failed");
                    continue;
                }
            };
            let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
                tracing::warn!(peer = %addr, outcome = "refused", "ssh connection refused: too many connections");
                continue;
            };
            let tracker = match SourceTracker::admit(&self.limits, addr.ip()) {
                Ok(tracker) => tracker,
                Err(Admission::Blocked { until }) => {
                    let for_secs = until.saturating_duration_since(std::time::Instant::now()).as_secs();
                    tracing::warn!(peer = %addr, outcome = "refused", for_secs, "ssh connection refused: too many failed logins from this source");
                    continue;
                }
                Err(_) => {
                    tracing::warn!(peer = %addr, outcome = "refused", "ssh connection refused: too many unauthenticated connections from this source");
                    continue;
                }
            };
            let (russh, config, factory, stop) =
                (Arc::clone(&self.russh), self.config.clone(), Arc::clone(&factory), stop.clone());
            connections.spawn(async move {
                serve_connection(stream, addr, russh, &config, factory, tracker, stop).await;
                drop(permit);
            });
        }
        // Each connection watches `stop` itself and disconnects its client.
        while connections.join_next().await.is_some() {}
        tracing::info!("ssh server stopped");
    }
}

/// The next connection on `listener`; never, while there is none.
async fn accept(listener: Option<&TcpListener>) -> std::io::Result<(TcpStream, SocketAddr)> {
    match listener {
        Some(listener) => listener.accept().await,
        None => std::future::pending().await,
    }
}

async fn serve_connection(
    stream: TcpStream,
    addr: SocketAddr,
    russh: Arc<Config>,
    config: &SshConfig,
    factory: Arc<dyn SessionFactory>,
    tracker: SourceTracker,
    mut stop: watch::Receiver<bool>,
) {
    tracing::debug!(peer = %addr, "ssh connection accepted");
    let authenticated = Arc::new(AtomicBool::new(false));
    let handler =
        Connection::new(factory, Some(addr), config.max_channels, Arc::clone(&authenticated)).with_source(tracker);
    let started = tokio::time::timeout(config.login_timeout, russh::server::run_stream(russh, stream, handler)).await;
    let mut running = match started {
        Ok(Ok(running)) => running,
        Ok(Err(error)) => {
            return tracing::info!(peer = %addr, %error, outcome = "failed", "ssh handshake failed");
        }
        Err(_) => {
            return tracing::warn!(peer = %addr, outcome = "timeout", "ssh handshake timed out");
        }
    };
    let handle = running.handle();
    let login_deadline = tokio::time::sleep(config.login_timeout);
    tokio::pin!(login_deadline);
    let mut deadline_passed = false;
    let reason = loop {
        tokio::select! {
            result = &mut running => {
                if let Err(error) = result {
                    tracing::debug!(peer = %addr, %error, "ssh connection ended with an error");
                }
                return;
            }
            () = &mut login_deadline, if !deadline_passed => {
                deadline_passed = true;
                if !authenticated.load(Ordering::SeqCst) {
                    break "login timed out";
                }
            }
            _ = stop.wait_for(|s| *s) => break "server shutting down",
        }
    };
    tracing::info!(peer = %addr, outcome = "disconnected", reason, "ssh connection closed by server");
    let _ = handle.disconnect(Disconnect::ByApplication, reason.into(), String::new()).await;
    if tokio::time::timeout(Duration::from_secs(5), running).await.is_err() {
        tracing::warn!(peer = %addr, "ssh connection did not close in time; dropped");
    }
}
