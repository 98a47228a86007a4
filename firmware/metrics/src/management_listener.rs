//! The management listener: plain HTTP on its own address, `GET /metrics` and
//! `GET /health` (200 while serving, 503 once a graceful shutdown began) only.
//!
//! Requests are bounded: the head may be at most hyper's minimum buffer (8 KiB), it
//! must arrive within [`HEADER_READ_TIMEOUT`], a request carrying a body is answered
//! 413 without reading it, and at most [`MANAGEMENT_MAX_CONNECTIONS`] connections are
//! served at once (others are closed on accept). A connection from a source outside the
//! allowed prefixes is closed at accept, before a byte is read, and counted in
//! [`REFUSED_METRIC`] (`reason="source"`; `reason="busy"` for the connection limit).

use crate::allowed_sources::SourcePrefixes;
use crate::error::MetricsError;
use crate::exposition::CONTENT_TYPE;
use crate::health::{HEALTH_PATH, Health};
use crate::instruments::LabelledCounter;
use crate::registry::Registry;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE as CT, TRANSFER_ENCODING};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio::task::{JoinHandle, JoinSet};

/// How many management connections are served at once.
pub const MANAGEMENT_MAX_CONNECTIONS: usize = 32;
/// The counter of connections closed at accept, by reason (`source`, `busy`).
pub const REFUSED_METRIC: &str = "postern_management_connections_refused_total";
/// How long a client may take to send a request head.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest request head accepted (hyper's minimum read buffer).
const MAX_HEAD_BYTES: usize = 8 * 1024;

/// A running management listener; stops when [`MetricsServer::shutdown`] is called or
/// it is dropped.
#[derive(Debug)]
pub struct MetricsServer {
    addr: SocketAddr,
    task: JoinHandle<()>,
    registry: Registry,
    health: Health,
    gate: Arc<Gate>,
}

impl MetricsServer {
    /// Binds `addr` (port 0 picks one) and serves `registry` there, to `allowed` sources
    /// only, in a spawned task.
    pub async fn bind(addr: SocketAddr, registry: Registry, allowed: SourcePrefixes) -> Result<Self, MetricsError> {
        let bind_err = |source| MetricsError::Bind { addr, source };
        let listener = TcpListener::bind(addr).await.map_err(bind_err)?;
        Self::serve_on(listener, registry, allowed).map_err(|e| match e {
            MetricsError::Bind { source, .. } => MetricsError::Bind { addr, source },
            other => other,
        })
    }

    /// Serves `registry` on a socket bound earlier (for example before the process gave
    /// up root), to `allowed` sources only, in a spawned task; registers
    /// [`REFUSED_METRIC`] in `registry`.
    pub fn serve_on(listener: TcpListener, registry: Registry, allowed: SourcePrefixes) -> Result<Self, MetricsError> {
        Self::serve_with_health(listener, registry, allowed, Health::serving())
    }

    /// [`MetricsServer::serve_on`], answering `GET /health` from `health`.
    pub fn serve_with_health(
        listener: TcpListener,
        registry: Registry,
        allowed: SourcePrefixes,
        health: Health,
    ) -> Result<Self, MetricsError> {
        let local = listener
            .local_addr()
            .map_err(|source| MetricsError::Bind { addr: SocketAddr::from(([0, 0, 0, 0], 0)), source })?;
        let refused = registry.labelled_counter(
            REFUSED_METRIC,
            "Management connections closed at accept, by reason",
            "reason",
            &["source", "busy"],
        )?;
        let gate = Arc::new(Gate { allowed: RwLock::new(allowed), refused });
        let task = tokio::spawn(accept_loop(listener, registry.clone(), gate.clone(), health.clone()));
        Ok(Self { addr: local, task, registry, health, gate })
    }

    /// Serves on `listener` from now on (a commit moved the management address); the old
    /// socket and the connections open on it are closed. Must be called inside a tokio
    /// runtime.
    pub fn move_to(&mut self, listener: TcpListener) -> Result<SocketAddr, MetricsError> {
        let local = listener
            .local_addr()
            .map_err(|source| MetricsError::Bind { addr: SocketAddr::from(([0, 0, 0, 0], 0)), source })?;
        self.task.abort();
        self.task = tokio::spawn(accept_loop(listener, self.registry.clone(), self.gate.clone(), self.health.clone()));
        self.addr = local;
        Ok(local)
    }

    /// Stops accepting and closes the open connections; [`MetricsServer::move_to`] serves
    /// again.
    pub fn stop(&mut self) {
        self.task.abort();
    }

    /// The sources allowed from the next connection on (connections open go on).
    pub fn set_allowed(&self, allowed: SourcePrefixes) {
        *self.gate.allowed.write().unwrap_or_else(PoisonError::into_inner) = allowed;
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting and closes every open management connection.
    pub async fn shutdown(mut self) {
        self.task.abort();
        let _ = (&mut self.task).await;
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Who may connect, and the count of those who may not.
#[derive(Debug)]
struct Gate {
    allowed: RwLock<SourcePrefixes>,
    refused: LabelledCounter,
}

impl Gate {
    fn allows(&self, peer: std::net::IpAddr) -> bool {
        self.allowed.read().unwrap_or_else(PoisonError::into_inner).allows(peer)
    }
}

async fn accept_loop(listener: TcpListener, registry: Registry, gate: Arc<Gate>, health: Health) {
    let slots = Arc::new(Semaphore::new(MANAGEMENT_MAX_CONNECTIONS));
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(error) => {
                        tracing::warn!(%error, "management accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                if !gate.allows(peer.ip()) {
                    gate.refused.inc("source");
                    tracing::warn!(%peer, "management connection refused: source not allowed");
                    continue;
                }
                let Ok(permit) = Arc::clone(&slots).try_acquire_owned() else {
                    gate.refused.inc("busy");
                    tracing::warn!(%peer, "management connection refused: too many open");
                    continue;
                };
                let (registry, health) = (registry.clone(), health.clone());
                connections.spawn(async move {
                    let _permit = permit;
                    serve_connection(stream, registry, health).await;
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: tokio::net::TcpStream, registry: Registry, health: Health) {
    let service = hyper::service::service_fn(move |req| {
        let (registry, health) = (registry.clone(), health.clone());
        async move { Ok::<_, Infallible>(answer(&req, &registry, &health)) }
    });
    let result = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES)
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(error) = result {
        tracing::debug!(%error, "management connection ended with an error");
    }
}

fn answer(req: &Request<Incoming>, registry: &Registry, health: &Health) -> Response<Full<Bytes>> {
    let has_body = req.headers().contains_key(TRANSFER_ENCODING)
        || req.headers().get(CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0");
    if has_body {
        return plain(StatusCode::PAYLOAD_TOO_LARGE, "request bodies are not accepted\n", true);
    }
    let path = req.uri().path();
    if path != "/metrics" && path != HEALTH_PATH {
        return plain(StatusCode::NOT_FOUND, "not found\n", false);
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return plain(StatusCode::METHOD_NOT_ALLOWED, "only GET\n", false);
    }
    if path == HEALTH_PATH {
        let (status, text) = health.answer();
        return plain(StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE), text, false);
    }
    let mut response = Response::new(Full::new(Bytes::from(registry.render())));
    response.headers_mut().insert(CT, hyper::header::HeaderValue::from_static(CONTENT_TYPE));
    response
}

fn plain(status: StatusCode, text: &'static str, close: bool) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *response.status_mut() = status;
    if close {
        response.headers_mut().insert(CONNECTION, hyper::header::HeaderValue::from_static("close"));
    }
    response
}
