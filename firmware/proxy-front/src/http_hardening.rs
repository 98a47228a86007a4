//! Limits for the HTTP layer served over the front end's TLS streams.
//!
//! The TLS layer cuts clients that do not finish the handshake in time; after that a
//! slow client could still trickle a request head byte by byte. The HTTP service
//! closes such connections by building its hyper server with
//! [`hardened_http1_builder`], which sets hyper's `header_read_timeout` (it covers the
//! head of every request, and the idle wait between keep-alive requests) along with a
//! bound on the head's size and header count:
//!
//! ```no_run
//! # use postern_proxy_front::{HttpLimits, hardened_http1_builder, PeerInfo};
//! # async fn serve(tls: tokio_rustls::server::TlsStream<tokio::net::TcpStream>, peer: PeerInfo) {
//! let service = hyper::service::service_fn(|_req: hyper::Request<hyper::body::Incoming>| async {
//!     Ok::<_, std::convert::Infallible>(hyper::Response::new(String::from("hello")))
//! });
//! let builder = hardened_http1_builder(&HttpLimits::default());
//! let conn = builder.serve_connection(hyper_util::rt::TokioIo::new(tls), service);
//! tokio::pin!(conn);
//! tokio::select! {
//!     _ = conn.as_mut() => {}
//!     _ = peer.shutdown_requested() => {
//!         conn.as_mut().graceful_shutdown();
//!         let _ = conn.await;
//!     }
//! }
//! # }
//! ```
//!
//! Bodies are not covered by these limits: a service streaming bodies applies its own
//! idle timeout to body reads.

use hyper::server::conn::http1;
use hyper_util::rt::TokioTimer;
use std::time::Duration;

/// Bounds on the request heads the HTTP layer accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpLimits {
    /// How long a client may take to send a complete request head.
    pub header_read_timeout: Duration,
    /// The largest request head (request line plus headers), in bytes; larger heads get 431.
    pub max_head_bytes: usize,
    /// The most header fields in one request; more get 431.
    pub max_headers: usize,
}

impl Default for HttpLimits {
    /// 10 s, 16 KiB, 100 headers.
    fn default() -> Self {
        Self { header_read_timeout: Duration::from_secs(10), max_head_bytes: 16 * 1024, max_headers: 100 }
    }
}

/// A hyper HTTP/1 server builder with a Tokio timer and `limits` applied.
pub fn hardened_http1_builder(limits: &HttpLimits) -> http1::Builder {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_header_size(limits.max_head_bytes)
        .max_headers(limits.max_headers);
    builder
}
