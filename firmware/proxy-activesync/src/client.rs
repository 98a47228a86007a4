//! Who is on the other end of a connection, and whether the gateway is shutting down.

use hyper::http::HeaderValue;
use postern_proxy_front::PeerInfo;
use std::net::SocketAddr;
use tokio::sync::watch;

/// Who is on the other end of a connection the front end hands over, with the front
/// end's shutdown signal when it has one.
#[derive(Debug, Clone)]
pub struct ClientInfo {
    pub(crate) peer: SocketAddr,
    pub(crate) proto: &'static str,
    /// The peer's address as the back end gets it in `X-Forwarded-For`, made once per
    /// connection rather than per request.
    pub(crate) forwarded_for: Option<HeaderValue>,
    shutdown: Option<watch::Receiver<bool>>,
}

fn forwarded_for(peer: SocketAddr) -> Option<HeaderValue> {
    HeaderValue::try_from(peer.ip().to_string()).ok()
}

impl ClientInfo {
    /// A client that reached the gateway over TLS (the front end decrypted the stream);
    /// the connection follows the listener's shutdown signal.
    pub fn https(peer: &PeerInfo) -> Self {
        Self {
            peer: peer.addr,
            proto: "https",
            forwarded_for: forwarded_for(peer.addr),
            shutdown: Some(peer.shutdown.clone()),
        }
    }

    /// A client on a plain connection (tests, or a front end that terminates TLS elsewhere).
    pub fn http(peer: SocketAddr) -> Self {
        Self { peer, proto: "http", forwarded_for: forwarded_for(peer), shutdown: None }
    }

    /// Resolves once shutdown has begun (at once if it already has); never without a signal.
    pub(crate) async fn shutdown_requested(&self) {
        match &self.shutdown {
            Some(rx) => {
                let mut rx = rx.clone();
                // An error means the sender is gone: that is a shutdown too.
                let _ = rx.wait_for(|stopping| *stopping).await;
            }
            None => std::future::pending().await,
        }
    }
}
