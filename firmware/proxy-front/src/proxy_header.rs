//! Reading a PROXY protocol header (v1 or v2) off a freshly accepted connection from a
//! load balancer: exactly the header's bytes are read, so the TLS handshake that follows
//! starts at its first byte.

use postern_proxy_protocol::{Framing, MIN_LEN, ProxyError, ProxyHeader, V2_MAX_LEN, framing};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;

/// Why a connection from a balancer was refused before its TLS handshake.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProxyHeaderFailure {
    /// The header did not arrive within the deadline.
    #[error("no complete PROXY protocol header within {0:?}")]
    Timeout(Duration),
    /// The connection closed or failed while the header was read.
    #[error("connection failed while reading the PROXY protocol header: {0}")]
    Io(#[from] std::io::Error),
    /// The bytes are no header, or a malformed one.
    #[error(transparent)]
    Invalid(#[from] ProxyError),
    /// A well-formed header that names no TCP client (UDP or UNIX addresses).
    #[error("the PROXY protocol header names no TCP client")]
    NotTcp,
}

impl ProxyHeaderFailure {
    /// Every label value of the refusal metric.
    pub const LABELS: [&'static str; 3] = ["source", "header", "timeout"];

    /// The metric label (`timeout` or `header`).
    pub fn label(&self) -> &'static str {
        match self {
            Self::Timeout(_) => "timeout",
            _ => "header",
        }
    }
}

/// Reads the header within `deadline`; returns the client's address, or `peer` itself
/// for a header that names none (v2 LOCAL, v1 `UNKNOWN`, v2 UNSPEC: the balancer's own
/// connection, e.g. a health check).
pub(crate) async fn read_client_address(
    stream: &mut TcpStream,
    peer: SocketAddr,
    deadline: Duration,
) -> Result<SocketAddr, ProxyHeaderFailure> {
    let header = tokio::time::timeout(deadline, read_header(stream))
        .await
        .map_err(|_| ProxyHeaderFailure::Timeout(deadline))??;
    match header.addresses {
        postern_proxy_protocol::Addresses::Tcp { source, .. } => Ok(source),
        postern_proxy_protocol::Addresses::Unspecified => Ok(peer),
        _ => Err(ProxyHeaderFailure::NotTcp),
    }
}

async fn read_header(stream: &mut TcpStream) -> Result<ProxyHeader, ProxyHeaderFailure> {
    let mut buf = [0u8; V2_MAX_LEN];
    let mut have = 0;
    let mut want = MIN_LEN;
    loop {
        stream.read_exact(&mut buf[have..have + want]).await?;
        have += want;
        match framing(&buf[..have])? {
            Framing::Need(more) => want = more,
            Framing::Complete(len) => return Ok(ProxyHeader::parse(&buf[..len])?),
        }
    }
}
