//! One request to the UEM: a fresh TCP + TLS connection (within the connect timeout),
//! one HTTP/1.1 exchange, the answer read with a cap, all within the request's deadline.
//!
//! A connection per request keeps failure handling simple (no stale pooled connection to
//! retry on); TLS session resumption keeps the handshakes cheap.

use super::answer;
use super::origin::Origin;
use super::timeouts::{HEAD_MAX, Timeouts};
use crate::UemError;
use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST, HeaderValue, USER_AGENT};
use hyper::{Method, Request};
use hyper_util::rt::TokioIo;
use postern_uem_api::BearerToken;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// One request: what to send, how much of the answer to read, how long it may take.
#[derive(Debug)]
pub(super) struct Call {
    /// The method.
    pub(super) method: Method,
    /// The API path (`/api/v1/…`).
    pub(super) path: String,
    /// The query string, without `?`.
    pub(super) query: Option<String>,
    /// A JSON body.
    pub(super) body: Option<Vec<u8>>,
    /// Largest answer body read.
    pub(super) cap: usize,
    /// The whole request's deadline.
    pub(super) deadline: Duration,
}

/// How requests reach the UEM.
pub(super) struct Transport {
    pub(super) origin: Origin,
    pub(super) tls: TlsConnector,
    pub(super) token: BearerToken,
    pub(super) timeouts: Timeouts,
}

/// Ends the connection's task when the request is done or abandoned.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn unreachable(endpoint: &str, reason: String) -> UemError {
    UemError::Unreachable { endpoint: endpoint.to_owned(), reason }
}

/// An error and its causes, on one line.
fn chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl Transport {
    /// `METHOD https://host/path`, naming the request in errors (no query: it may hold
    /// user names).
    pub(super) fn endpoint(&self, call: &Call) -> String {
        format!("{} {}{}", call.method, self.origin.base(), call.path)
    }

    /// Sends `call` and returns the answer's body, or what went wrong.
    pub(super) async fn exchange(&self, call: Call) -> Result<Vec<u8>, UemError> {
        let endpoint = self.endpoint(&call);
        let deadline = call.deadline;
        match timeout(deadline, self.attempt(call, &endpoint)).await {
            Ok(result) => result,
            Err(_) => Err(UemError::Timeout { endpoint, after: deadline }),
        }
    }

    async fn connect(&self, endpoint: &str) -> Result<TlsStream<TcpStream>, UemError> {
        let origin = &self.origin;
        let connecting = async {
            let tcp = TcpStream::connect((origin.host.as_str(), origin.port))
                .await
                .map_err(|e| unreachable(endpoint, format!("cannot connect: {e}")))?;
            // Only latency depends on it.
            let _ = tcp.set_nodelay(true);
            self.tls
                .connect(origin.server_name.clone(), tcp)
                .await
                .map_err(|e| unreachable(endpoint, format!("TLS handshake failed: {}", chain(&e))))
        };
        let limit = self.timeouts.connect;
        timeout(limit, connecting)
            .await
            .unwrap_or_else(|_| Err(unreachable(endpoint, format!("no connection within {limit:?}"))))
    }

    async fn attempt(&self, call: Call, endpoint: &str) -> Result<Vec<u8>, UemError> {
        let cap = call.cap;
        let request =
            self.request(call).map_err(|e| UemError::Request { endpoint: endpoint.to_owned(), reason: chain(&e) })?;
        let tls = self.connect(endpoint).await?;
        let (mut sender, connection) = hyper::client::conn::http1::Builder::new()
            .max_buf_size(HEAD_MAX)
            .handshake(TokioIo::new(tls))
            .await
            .map_err(|e| unreachable(endpoint, format!("HTTP handshake failed: {}", chain(&e))))?;
        let _connection = AbortOnDrop(tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "UEM connection ended with an error");
            }
        }));
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| unreachable(endpoint, format!("no answer: {}", chain(&e))))?;
        answer::read(response, cap, endpoint).await
    }

    fn request(&self, call: Call) -> Result<Request<Full<Bytes>>, hyper::http::Error> {
        let target = match &call.query {
            Some(q) => format!("{}{}?{q}", self.origin.prefix, call.path),
            None => format!("{}{}", self.origin.prefix, call.path),
        };
        let mut bearer = HeaderValue::try_from(format!("Bearer {}", self.token.as_str()))?;
        bearer.set_sensitive(true);
        let mut builder = Request::builder()
            .method(call.method)
            .uri(target)
            .header(HOST, self.origin.authority.as_str())
            .header(AUTHORIZATION, bearer)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, concat!("postern-gateway/", env!("CARGO_PKG_VERSION")));
        if call.body.is_some() {
            builder = builder.header(CONTENT_TYPE, "application/json");
        }
        builder.body(Full::new(Bytes::from(call.body.unwrap_or_default())))
    }
}
