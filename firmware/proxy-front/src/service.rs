//! What the listener hands a decrypted connection to.

use rustls::pki_types::CertificateDer;
use std::future::Future;
use std::net::SocketAddr;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_rustls::server::TlsStream;

/// Who is on the other end of a connection, and the listener's shutdown signal.
#[derive(Debug, Clone)]
pub struct PeerInfo {
    /// The client's address.
    pub addr: SocketAddr,
    /// The client's end-entity certificate, verified against the configured CA (mutual
    /// TLS only; `None` when none was asked for or an optional one was not sent).
    pub client_cert: Option<CertificateDer<'static>>,
    /// Becomes `true` when the listener shuts down: stop taking new requests on this
    /// connection and finish the one in flight (e.g. hyper's `graceful_shutdown`).
    pub shutdown: watch::Receiver<bool>,
}

impl PeerInfo {
    /// Resolves once the listener has begun shutting down (at once if it already has).
    pub async fn shutdown_requested(&self) {
        let mut rx = self.shutdown.clone();
        // An error means the listener is gone: that is a shutdown too.
        let _ = rx.wait_for(|stopping| *stopping).await;
    }
}

/// Serves one decrypted connection. Implemented for every
/// `Fn(TlsStream<TcpStream>, PeerInfo) -> impl Future<Output = ()>` closure.
pub trait ConnectionService: Send + Sync + 'static {
    /// Serves `stream` until it ends; the listener counts the connection live until then.
    fn serve(&self, stream: TlsStream<TcpStream>, peer: PeerInfo) -> impl Future<Output = ()> + Send + 'static;
}

impl<F, Fut> ConnectionService for F
where
    F: Fn(TlsStream<TcpStream>, PeerInfo) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    fn serve(&self, stream: TlsStream<TcpStream>, peer: PeerInfo) -> impl Future<Output = ()> + Send + 'static {
        self(stream, peer)
    }
}
