//! The TLS handshake with a deadline, and the classification of its failures.

use std::io;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

/// Why a TLS handshake failed, as counted in the metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HandshakeFailure {
    /// The client did not finish within the handshake timeout (slowloris, stalled peer).
    Timeout,
    /// Malformed or unacceptable TLS (garbage, truncated records, old versions, no shared cipher).
    Protocol,
    /// Mutual TLS is required and the client presented no certificate.
    NoCertificate,
    /// The client's certificate was rejected (untrusted issuer, expired, wrong usage).
    BadCertificate,
}

impl HandshakeFailure {
    /// Every label value, in the order the metrics show them.
    pub const LABELS: [&'static str; 4] = ["timeout", "protocol", "no_certificate", "bad_certificate"];

    /// The metric label for this reason.
    pub fn label(self) -> &'static str {
        match self {
            Self::Timeout => Self::LABELS[0],
            Self::Protocol => Self::LABELS[1],
            Self::NoCertificate => Self::LABELS[2],
            Self::BadCertificate => Self::LABELS[3],
        }
    }

    /// Classifies an error returned by the rustls acceptor.
    fn classify(error: &io::Error) -> Self {
        let tls = error.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>());
        match tls {
            Some(rustls::Error::NoCertificatesPresented) => Self::NoCertificate,
            Some(rustls::Error::InvalidCertificate(_)) => Self::BadCertificate,
            _ => Self::Protocol,
        }
    }
}

/// Runs the server handshake on `stream`, giving up after `timeout`.
pub(crate) async fn accept_tls(
    acceptor: TlsAcceptor,
    stream: TcpStream,
    timeout: Duration,
) -> Result<TlsStream<TcpStream>, (HandshakeFailure, String)> {
    match tokio::time::timeout(timeout, acceptor.accept(stream)).await {
        Err(_) => Err((HandshakeFailure::Timeout, format!("no handshake within {timeout:?}"))),
        Ok(Err(error)) => Err((HandshakeFailure::classify(&error), error.to_string())),
        Ok(Ok(tls)) => Ok(tls),
    }
}
