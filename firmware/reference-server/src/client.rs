//! The other end, for tests and tools: one HTTPS request to a reference server, trusting
//! only the CA that signed its certificate; and waiting for a port file.

use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Bytes;
use hyper::{HeaderMap, Request};
use hyper_util::rt::TokioIo;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// A server's answer, read whole.
#[derive(Debug)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The CA file could not be read.
    #[error("cannot read the CA from {}: {source}", path.display())]
    Ca {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: rustls::pki_types::pem::Error,
    },
    /// rustls refused the CA.
    #[error("TLS client configuration refused: {0}")]
    Rustls(#[from] rustls::Error),
    /// The connection or TLS handshake failed.
    #[error("cannot {op} 127.0.0.1:{port}: {source}")]
    Connect {
        /// Connect or handshake.
        op: &'static str,
        /// The port.
        port: u16,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The server name is not a DNS name.
    #[error("localhost is not a valid server name")]
    Name,
    /// The HTTP exchange failed.
    #[error("HTTP exchange failed: {0}")]
    Http(#[from] hyper::Error),
    /// The body was larger than allowed or broken off.
    #[error("cannot read the body: {0}")]
    Body(String),
}

/// Sends `request` to `127.0.0.1:port` over TLS, as `localhost`, trusting only the CA in
/// the PEM file `ca`; reads at most `max_body` bytes of the answer.
pub async fn call_trusting(
    ca: &Path,
    port: u16,
    request: Request<Full<Bytes>>,
    max_body: usize,
) -> Result<Answer, ClientError> {
    let cert = CertificateDer::from_pem_file(ca).map_err(|source| ClientError::Ca { path: ca.to_owned(), source })?;
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connect = |op| move |source| ClientError::Connect { op, port, source };
    let tcp = TcpStream::connect(("127.0.0.1", port)).await.map_err(connect("connect to"))?;
    let name = ServerName::try_from("localhost").map_err(|_| ClientError::Name)?;
    let tls = TlsConnector::from(Arc::new(config)).connect(name, tcp).await.map_err(connect("handshake with"))?;
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await?;
    tokio::spawn(connection);
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = Limited::new(response.into_body(), max_body)
        .collect()
        .await
        .map_err(|e| ClientError::Body(e.to_string()))?
        .to_bytes();
    Ok(Answer { status, headers, body })
}

/// Waits up to `limit` for a port file (written atomically by [`crate::write_port`]).
pub fn wait_for_port(path: &Path, limit: Duration) -> Option<u16> {
    let start = Instant::now();
    loop {
        if let Some(port) = std::fs::read_to_string(path).ok().and_then(|text| text.trim().parse().ok()) {
            return Some(port);
        }
        if start.elapsed() >= limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
