//! One HTTPS exchange with a hard deadline and a hard cap on the body read.

use crate::endpoint::Endpoint;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::Bytes;
use hyper::header::{ACCEPT, AUTHORIZATION, CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, HOST, RETRY_AFTER};
use hyper::{Method, Request, Uri};
use hyper_util::rt::TokioIo;
use postern_uem_connector::UemError;
use rustls::pki_types::ServerName;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;

/// Longest `Retry-After` taken at its word; a longer one is clamped.
const RETRY_AFTER_MAX: Duration = Duration::from_secs(3_600);

/// What to send.
pub(crate) struct Exchange<'a> {
    /// `GET` or `POST`.
    pub(crate) method: Method,
    /// Where.
    pub(crate) endpoint: &'a Endpoint,
    /// A bearer token for the `Authorization` header.
    pub(crate) bearer: Option<&'a str>,
    /// A form body (`application/x-www-form-urlencoded`).
    pub(crate) form: Option<String>,
    /// Most body bytes read from the answer.
    pub(crate) max_body: usize,
    /// Deadline of the whole exchange.
    pub(crate) timeout: Duration,
}

/// What came back.
#[derive(Debug)]
pub(crate) struct Reply {
    /// The HTTP status.
    pub(crate) status: u16,
    /// `Retry-After` in seconds, if present and numeric.
    pub(crate) retry_after: Option<Duration>,
    /// The body, at most `max_body` bytes.
    pub(crate) body: Bytes,
}

/// Aborts the connection task when the exchange ends, however it ends.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs one exchange on a fresh connection; every failure is a typed [`UemError`].
pub(crate) async fn exchange(tls: &TlsConnector, req: Exchange<'_>) -> Result<Reply, UemError> {
    let shown = req.endpoint.display();
    match tokio::time::timeout(req.timeout, run(tls, &req, &shown)).await {
        Ok(reply) => reply,
        Err(_) => Err(UemError::Timeout { endpoint: shown, after: req.timeout }),
    }
}

async fn run(tls: &TlsConnector, req: &Exchange<'_>, shown: &str) -> Result<Reply, UemError> {
    let unreachable = |what: &str, e: &dyn std::fmt::Display| UemError::Unreachable {
        endpoint: shown.to_owned(),
        reason: format!("{what}: {e}"),
    };
    let ep = req.endpoint;
    let tcp = TcpStream::connect((ep.host.as_str(), ep.port)).await.map_err(|e| unreachable("connect", &e))?;
    let name = ServerName::try_from(ep.host.clone()).map_err(|e| unreachable("server name", &e))?;
    let stream = tls.connect(name, tcp).await.map_err(|e| unreachable("TLS handshake", &e))?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| unreachable("HTTP handshake", &e))?;
    let _conn = AbortOnDrop(tokio::spawn(async move {
        let _ = conn.await;
    }));

    let mut builder = Request::builder()
        .method(req.method.clone())
        .uri(Uri::from(ep.target.clone()))
        .header(HOST, ep.authority.as_str())
        .header(ACCEPT, "application/json")
        .header(CONNECTION, "close");
    if let Some(token) = req.bearer {
        builder = builder.header(AUTHORIZATION, format!("Bearer {token}"));
    }
    let body = match &req.form {
        Some(form) => {
            builder = builder.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
            Bytes::from(form.clone())
        }
        None => Bytes::new(),
    };
    let request = builder.body(Full::new(body)).map_err(|e| unreachable("request", &e))?;
    let response = sender.send_request(request).await.map_err(|e| unreachable("request", &e))?;

    let status = response.status().as_u16();
    let headers = response.headers();
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(|s| Duration::from_secs(s).min(RETRY_AFTER_MAX));
    let declared = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let too_big = |declared: Option<u64>| UemError::BadAnswer {
        endpoint: shown.to_owned(),
        reason: match declared {
            Some(len) => format!("body of {len} bytes is over the {} byte cap", req.max_body),
            None => format!("body is over the {} byte cap", req.max_body),
        },
    };
    if let Some(len) = declared.filter(|&len| len > req.max_body as u64) {
        return Err(too_big(Some(len)));
    }
    let body = Limited::new(response.into_body(), req.max_body)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                too_big(None)
            } else {
                unreachable("reading the body", &e)
            }
        })?
        .to_bytes();
    Ok(Reply { status, retry_after, body })
}
