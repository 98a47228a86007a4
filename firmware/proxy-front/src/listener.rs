//! The accept loop: connection limits, TLS handshake with a deadline, the service, and
//! graceful shutdown.
//!
//! Bind first (as root if the port needs it), drop privileges, then serve:
//!
//! ```no_run
//! # use postern_proxy_front::*;
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use std::time::Duration;
//! let registry = postern_metrics::Registry::new();
//! let metrics = FrontMetrics::register(&registry)?;
//! let settings = TlsSettings::new("/etc/postern/tls.pem", "/etc/postern/tls.key");
//! let watcher = CertificateWatcher::new(settings, metrics.clone())?;
//! let _reload = watcher.spawn_periodic(Duration::from_secs(30));
//! let addr = "0.0.0.0:443".parse()?;
//! let listener = Listener::bind(addr, ListenerConfig::default(), watcher, metrics).await?;
//! // here the process gives up root (postern_process::drop_privileges)
//! let handle = listener.serve(|tls, peer: PeerInfo| async move {
//!     // e.g. hardened_http1_builder(..).serve_connection(TokioIo::new(tls), svc)
//!     let _ = (tls, peer);
//! });
//! // ... on SIGTERM:
//! let report = handle.shutdown(Duration::from_secs(30)).await;
//! # let _ = report; Ok(()) }
//! ```

use crate::certificate_watcher::CertificateWatcher;
use crate::connection_limits::{ConnectionLimits, ConnectionTracker};
use crate::error::FrontError;
use crate::front_metrics::FrontMetrics;
use crate::handshake::accept_tls;
use crate::service::{ConnectionService, PeerInfo};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsAcceptor;

/// How the listener admits connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListenerConfig {
    /// Connection limits, overall and per client IP.
    pub limits: ConnectionLimits,
    /// How long a client has to complete the TLS handshake.
    pub handshake_timeout: Duration,
}

impl Default for ListenerConfig {
    /// Default limits and a 10 s handshake timeout.
    fn default() -> Self {
        Self {
            limits: ConnectionLimits::default(),
            handshake_timeout: Duration::from_secs(10),
        }
    }
}

/// A bound listening socket, not yet serving.
#[derive(Debug)]
pub struct Listener {
    tcp: TcpListener,
    addr: SocketAddr,
    config: ListenerConfig,
    watcher: Arc<CertificateWatcher>,
    metrics: FrontMetrics,
}

/// How a shutdown went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownReport {
    /// Connections that ended by themselves within the grace period.
    pub finished: usize,
    /// Connections still open at the end of the grace period, which were aborted.
    pub aborted: usize,
}

/// A serving listener. Dropping it without calling [`ListenerHandle::shutdown`] stops
/// accepting and aborts every connection at once.
#[derive(Debug)]
pub struct ListenerHandle {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<Duration>>,
    task: JoinHandle<ShutdownReport>,
}

impl Listener {
    /// Binds `addr` (port 0 picks a free one).
    pub async fn bind(
        addr: SocketAddr,
        config: ListenerConfig,
        watcher: Arc<CertificateWatcher>,
        metrics: FrontMetrics,
    ) -> Result<Self, FrontError> {
        let tcp = TcpListener::bind(addr)
            .await
            .map_err(|source| FrontError::Bind { addr, source })?;
        Self::on(tcp, config, watcher, metrics)
    }

    /// A listener on a socket bound earlier (for example before the process gave up root:
    /// connections wait in the socket's backlog until [`Listener::serve`]).
    pub fn on(
        tcp: TcpListener,
        config: ListenerConfig,
        watcher: Arc<CertificateWatcher>,
        metrics: FrontMetrics,
    ) -> Result<Self, FrontError> {
        let addr = tcp.local_addr().map_err(|source| FrontError::Bind {
            addr: SocketAddr::from(([0, 0, 0, 0], 0)),
            source,
        })?;
        Ok(Self {
            tcp,
            addr,
            config,
            watcher,
            metrics,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Starts accepting in a spawned task, handing each handshaken connection to `service`.
    pub fn serve<S: ConnectionService>(self, service: S) -> ListenerHandle {
        let (stop_tx, stop_rx) = oneshot::channel();
        let addr = self.addr;
        let task = tokio::spawn(accept_loop(self, Arc::new(service), stop_rx));
        ListenerHandle {
            addr,
            stop: Some(stop_tx),
            task,
        }
    }
}

impl ListenerHandle {
    /// The address being served.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, signals every connection ([`PeerInfo::shutdown`]), waits up to
    /// `grace` for them to end, then aborts the rest.
    pub async fn shutdown(mut self, grace: Duration) -> ShutdownReport {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(grace);
        }
        match (&mut self.task).await {
            Ok(report) => report,
            Err(_) => ShutdownReport {
                finished: 0,
                aborted: 0,
            },
        }
    }
}

impl Drop for ListenerHandle {
    fn drop(&mut self) {
        if self.stop.is_some() {
            self.task.abort();
        }
    }
}

async fn accept_loop<S: ConnectionService>(
    listener: Listener,
    service: Arc<S>,
    mut stop: oneshot::Receiver<Duration>,
) -> ShutdownReport {
    let Listener {
        tcp,
        addr: listener_addr,
        config,
        watcher,
        metrics,
    } = listener;
    let tracker = ConnectionTracker::new(config.limits, metrics.connections_live.clone());
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let mut connections = JoinSet::new();
    let mut first = true;
    let grace = loop {
        tokio::select! {
            grace = &mut stop => break grace.unwrap_or(Duration::ZERO),
            accepted = tcp.accept() => {
                let (stream, addr) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        // Typically EMFILE: back off instead of spinning.
                        tracing::warn!(%error, "accept failed");
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        continue;
                    }
                };
                if std::mem::take(&mut first) {
                    // Shows, from outside, which identity handles the first client bytes.
                    let euid = nix::unistd::geteuid().as_raw();
                    tracing::info!(listener = %listener_addr, peer = %addr, euid, "first connection accepted");
                }
                let permit = match tracker.try_admit(addr.ip()) {
                    Ok(permit) => permit,
                    Err(limit) => {
                        metrics.connections_refused.inc(limit.label());
                        tracing::debug!(%addr, limit = limit.label(), "connection refused by limit");
                        continue;
                    }
                };
                metrics.connections_accepted.inc();
                let _ = stream.set_nodelay(true);
                let acceptor = TlsAcceptor::from(watcher.current());
                let (metrics, service) = (metrics.clone(), Arc::clone(&service));
                let shutdown = shutdown_rx.clone();
                connections.spawn(async move {
                    let _permit = permit;
                    match accept_tls(acceptor, stream, config.handshake_timeout).await {
                        Err((reason, detail)) => {
                            metrics.handshake_failures.inc(reason.label());
                            tracing::debug!(%addr, reason = reason.label(), detail, "TLS handshake failed");
                        }
                        Ok(tls) => {
                            metrics.handshakes_completed.inc();
                            let client_cert = tls
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(|chain| chain.first())
                                .map(|cert| cert.clone().into_owned());
                            service.serve(tls, PeerInfo { addr, client_cert, shutdown }).await;
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    };
    drop(tcp);
    let _ = shutdown_tx.send(true);
    let deadline = tokio::time::Instant::now() + grace;
    let mut finished = 0;
    while let Ok(Some(_)) = tokio::time::timeout_at(deadline, connections.join_next()).await {
        finished += 1;
    }
    let aborted = connections.len();
    connections.shutdown().await;
    tracing::info!(finished, aborted, "listener shut down");
    ShutdownReport { finished, aborted }
}
