//! Connections to the Exchange back end: TCP, TLS when https, HTTP/1.1, a small pool of
//! idle connections.

use crate::body::UpBody;
use crate::config::{ProxyConfig, Scheme};
use crate::error::{BackendError, ProxyError};
use hyper::client::conn::http1::{self, SendRequest};
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::task::AbortHandle;
use tokio_rustls::TlsConnector;

/// How long a pooled connection may take to become idle before it is given up.
const POOL_READY_WAIT: Duration = Duration::from_millis(100);

/// One HTTP/1.1 connection to the back end. Dropping it closes the connection.
pub(crate) struct Connection {
    pub(crate) sender: SendRequest<UpBody>,
    task: AbortHandle,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// The back end: where it is, how to speak TLS to it, and its idle connections.
pub(crate) struct Backend {
    authority: String,
    /// What the back end gets as `Host` when the proxy rewrites it.
    pub(crate) host_header: String,
    /// The same, as a header value made once (none when it is not a valid one).
    pub(crate) host_value: Option<hyper::http::HeaderValue>,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    connect_timeout: Duration,
    idle: Mutex<Vec<Connection>>,
    idle_max: usize,
}

impl Backend {
    pub(crate) fn new(config: &ProxyConfig) -> Result<Self, ProxyError> {
        let url = &config.backend;
        let tls = match url.scheme {
            Scheme::Http => None,
            Scheme::Https => {
                let path = config
                    .backend_ca_file
                    .as_ref()
                    .ok_or_else(|| ProxyError::MissingCaFile { url: url.authority() })?;
                let pem = std::fs::read(path).map_err(|source| ProxyError::CaFile { path: path.clone(), source })?;
                let roots = postern_tls_client::roots_from_pem(&pem)
                    .map_err(|e| ProxyError::CaCertificates { path: path.clone(), why: e.to_string() })?;
                let tls = postern_tls_client::client_config(roots, config.backend_tls_floor.versions(), true)?;
                let name = ServerName::try_from(url.host.clone()).map_err(|_| ProxyError::BackendUrl {
                    url: url.authority(),
                    why: "the host is not a valid TLS server name",
                })?;
                Some((TlsConnector::from(tls), name))
            }
        };
        Ok(Self {
            authority: url.authority(),
            host_header: url.host_header(),
            host_value: hyper::http::HeaderValue::try_from(url.host_header()).ok(),
            tls,
            connect_timeout: config.connect_timeout,
            idle: Mutex::new(Vec::new()),
            idle_max: config.pool_idle_max,
        })
    }

    /// An idle pooled connection, or a new one.
    pub(crate) async fn connection(&self) -> Result<Connection, BackendError> {
        loop {
            let pooled = self.idle.lock().unwrap_or_else(PoisonError::into_inner).pop();
            let Some(mut conn) = pooled else { break };
            if conn.sender.is_closed() {
                continue;
            }
            if let Ok(Ok(())) = tokio::time::timeout(POOL_READY_WAIT, conn.sender.ready()).await {
                return Ok(conn);
            }
        }
        self.connect_new().await
    }

    /// Keeps a connection whose exchange finished cleanly for the next request.
    pub(crate) fn give_back(&self, conn: Connection) {
        if conn.sender.is_closed() {
            return;
        }
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.idle_max {
            idle.push(conn);
        }
    }

    pub(crate) async fn connect_new(&self) -> Result<Connection, BackendError> {
        let connect = async {
            let tcp = TcpStream::connect(&self.authority)
                .await
                .map_err(|source| BackendError::Connect { authority: self.authority.clone(), source })?;
            // Latency matters more than packet count for small ActiveSync exchanges.
            let _ = tcp.set_nodelay(true);
            match &self.tls {
                None => handshake(tcp).await,
                Some((connector, name)) => {
                    let tls = connector
                        .connect(name.clone(), tcp)
                        .await
                        .map_err(|source| BackendError::Tls { authority: self.authority.clone(), source })?;
                    handshake(tls).await
                }
            }
        };
        match tokio::time::timeout(self.connect_timeout, connect).await {
            Ok(result) => result,
            Err(_) => Err(BackendError::Connect {
                authority: self.authority.clone(),
                source: std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("no connection within {:?}", self.connect_timeout),
                ),
            }),
        }
    }
}

async fn handshake<T: AsyncRead + AsyncWrite + Send + Unpin + 'static>(io: T) -> Result<Connection, BackendError> {
    let (sender, conn) = http1::handshake(TokioIo::new(io)).await?;
    let task = tokio::spawn(async move {
        if let Err(error) = conn.await {
            tracing::debug!(%error, "back-end connection ended with an error");
        }
    });
    Ok(Connection { sender, task: task.abort_handle() })
}
