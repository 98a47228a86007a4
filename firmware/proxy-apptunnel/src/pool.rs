//! A service's servers: round-robin with a passive health check.
//!
//! Each connection starts at the next server in turn and takes the first one that
//! accepts, skipping servers marked down. A server whose connect fails (refused, or not
//! within the connect timeout) is marked down for `down_for` and skipped until then. If
//! every server is down (or every healthy one fails), the skipped ones are tried once
//! anyway, in order, so a recovered back end is found without waiting out the period.

use std::collections::HashMap;
use std::io;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// One server's state, as reported by [`crate::AppTunnelProxy::health`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerHealth {
    /// The service.
    pub service: String,
    /// The server, `host:port`.
    pub server: String,
    /// `false` while the server is marked down after a failed connect.
    pub up: bool,
}

#[derive(Debug)]
struct Server {
    host: String,
    port: u16,
    down_until: Mutex<Option<Instant>>,
}

impl Server {
    fn is_down(&self, now: Instant) -> bool {
        self.down_until.lock().unwrap_or_else(PoisonError::into_inner).is_some_and(|until| until > now)
    }

    fn mark(&self, down_until: Option<Instant>) {
        *self.down_until.lock().unwrap_or_else(PoisonError::into_inner) = down_until;
    }
}

/// The servers of one service.
#[derive(Debug)]
pub(crate) struct ServerPool {
    servers: Vec<Server>,
    next: AtomicUsize,
    down_for: Duration,
}

impl ServerPool {
    pub(crate) fn new(servers: Vec<(String, u16)>, down_for: Duration) -> Self {
        let servers =
            servers.into_iter().map(|(host, port)| Server { host, port, down_until: Mutex::new(None) }).collect();
        Self { servers, next: AtomicUsize::new(0), down_for }
    }

    /// Each server and whether it is up now.
    pub(crate) fn health(&self) -> impl Iterator<Item = (String, bool)> + '_ {
        let now = Instant::now();
        self.servers.iter().map(move |s| (format!("{}:{}", s.host, s.port), !s.is_down(now)))
    }

    /// Connects to the next server that accepts, by the rule above.
    pub(crate) async fn connect(&self, hosts: &HashMap<String, IpAddr>, timeout: Duration) -> io::Result<TcpStream> {
        let count = self.servers.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        let mut skipped = Vec::new();
        let mut last_error = io::Error::new(io::ErrorKind::NotFound, "no server");
        for server in (0..count).filter_map(|i| self.servers.get((start + i) % count)) {
            if server.is_down(now) {
                skipped.push(server);
                continue;
            }
            match self.try_server(server, hosts, timeout).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last_error = error,
            }
        }
        for server in skipped {
            match self.try_server(server, hosts, timeout).await {
                Ok(stream) => return Ok(stream),
                Err(error) => last_error = error,
            }
        }
        Err(last_error)
    }

    async fn try_server(
        &self,
        server: &Server,
        hosts: &HashMap<String, IpAddr>,
        timeout: Duration,
    ) -> io::Result<TcpStream> {
        match connect(&server.host, server.port, hosts, timeout).await {
            Ok(stream) => {
                server.mark(None);
                Ok(stream)
            }
            Err(error) => {
                tracing::warn!(server = %server.host, port = server.port, %error, down_for = ?self.down_for, "back end unreachable: marked down");
                server.mark(Some(Instant::now() + self.down_for));
                Err(error)
            }
        }
    }
}

/// Connects to `host:port` within `timeout`, taking the address from `hosts` when the
/// name is listed there and from the system resolver otherwise.
pub(crate) async fn connect(
    host: &str,
    port: u16,
    hosts: &HashMap<String, IpAddr>,
    timeout: Duration,
) -> io::Result<TcpStream> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let attempt = async {
        match hosts.get(host).copied().or_else(|| bare.parse::<IpAddr>().ok()) {
            Some(ip) => TcpStream::connect((ip, port)).await,
            None => TcpStream::connect((bare, port)).await,
        }
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => {
            let stream = result?;
            let _ = stream.set_nodelay(true);
            Ok(stream)
        }
        Err(_) => Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("connect to {host}:{port} timed out after {timeout:?}"),
        )),
    }
}
