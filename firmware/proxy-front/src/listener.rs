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

use crate::balancers::Balancers;
use crate::certificate_watcher::CertificateWatcher;
use crate::connection_limits::{ConnectionLimits, ConnectionPermit, ConnectionTracker};
use crate::error::FrontError;
use crate::front_metrics::FrontMetrics;
use crate::handshake::accept_tls;
use crate::proxy_header::read_client_address;
use crate::service::{ConnectionService, PeerInfo};
use postern_metrics::SourcePrefixes;
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
        Self { limits: ConnectionLimits::default(), handshake_timeout: Duration::from_secs(10) }
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
    proxy_protocol: Balancers,
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
        let tcp = TcpListener::bind(addr).await.map_err(|source| FrontError::Bind { addr, source })?;
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
        let addr = tcp
            .local_addr()
            .map_err(|source| FrontError::Bind { addr: SocketAddr::from(([0, 0, 0, 0], 0)), source })?;
        Ok(Self { tcp, addr, config, watcher, metrics, proxy_protocol: Balancers::default() })
    }

    /// Expects a PROXY protocol header (v1 or v2) before the TLS handshake of every
    /// connection, accepted only from `balancers`: a connection from any other source,
    /// or without a valid header within the handshake timeout, is closed and logged. The
    /// header's client address is then the connection's address for the limits and for
    /// the service ([`PeerInfo::addr`]).
    pub fn with_proxy_protocol(self, balancers: SourcePrefixes) -> Self {
        self.with_balancers(Balancers::new(Some(balancers)))
    }

    /// Follows `balancers` for the PROXY protocol, as [`Listener::with_proxy_protocol`]
    /// does with a fixed list: each connection is admitted under the list in force when it
    /// is accepted, so a change through a clone of `balancers` applies to the next ones.
    pub fn with_balancers(mut self, balancers: Balancers) -> Self {
        self.proxy_protocol = balancers;
        self
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
        ListenerHandle { addr, stop: Some(stop_tx), task }
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
            Err(_) => ShutdownReport { finished: 0, aborted: 0 },
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

/// Counts a connection from `addr` against the limits, or counts and logs its refusal.
fn admit(tracker: &ConnectionTracker, metrics: &FrontMetrics, addr: SocketAddr) -> Option<ConnectionPermit> {
    match tracker.try_admit(addr.ip()) {
        Ok(permit) => {
            metrics.connections_accepted.inc();
            Some(permit)
        }
        Err(limit) => {
            metrics.connections_refused.inc(limit.label());
            tracing::debug!(%addr, limit = limit.label(), "connection refused by limit");
            None
        }
    }
}

async fn accept_loop<S: ConnectionService>(
    listener: Listener,
    service: Arc<S>,
    mut stop: oneshot::Receiver<Duration>,
) -> ShutdownReport {
    let Listener { tcp, addr: listener_addr, config, watcher, metrics, proxy_protocol: proxy_from } = listener;
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
                // Behind a balancer the limits count clients, known only once the header is read.
                let permit = if let Some(balancers) = proxy_from.current() {
                    if !balancers.allows(addr.ip()) {
                        metrics.proxy_protocol_refused.inc("source");
                        tracing::warn!(peer = %addr, "PROXY protocol connection from a source that is not a configured balancer refused");
                        continue;
                    }
                    None
                } else {
                    match admit(&tracker, &metrics, addr) {
                        Some(permit) => Some(permit),
                        None => continue,
                    }
                };
                let _ = stream.set_nodelay(true);
                let acceptor = TlsAcceptor::from(watcher.current());
                let (metrics, service, tracker) = (metrics.clone(), Arc::clone(&service), tracker.clone());
                let shutdown = shutdown_rx.clone();
                connections.spawn(async move {
                    let mut stream = stream;
                    let (addr, _permit) = match permit {
                        Some(permit) => (addr, permit),
                        None => {
                            let client = match read_client_address(&mut stream, addr, config.handshake_timeout).await {
                                Ok(client) => client,
                                Err(failure) => {
                                    metrics.proxy_protocol_refused.inc(failure.label());
                                    tracing::warn!(balancer = %addr, error = %failure, "PROXY protocol connection refused");
                                    return;
                                }
                            };
                            match admit(&tracker, &metrics, client) {
                                Some(permit) => (client, permit),
                                None => return,
                            }
                        }
                    };
                    // The handshake's state is boxed and the service's future made in a
                    // block of its own: the task then keeps room only for what serving
                    // needs, for as long as the connection lives (held requests included).
                    let serving = {
                        let tls = match Box::pin(accept_tls(acceptor, stream, config.handshake_timeout)).await {
                            Err((reason, detail)) => {
                                metrics.handshake_failures.inc(reason.label());
                                tracing::debug!(%addr, reason = reason.label(), detail, "TLS handshake failed");
                                return;
                            }
                            Ok(tls) => tls,
                        };
                        metrics.handshakes_completed.inc();
                        let client_cert = tls
                            .get_ref()
                            .1
                            .peer_certificates()
                            .and_then(|chain| chain.first())
                            .map(|cert| cert.clone().into_owned());
                        service.serve(tls, PeerInfo { addr, client_cert, shutdown })
                    };
                    serving.await;
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
