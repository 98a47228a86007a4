//! One flow's AppTunnel: a mutual-TLS connection to the gateway's AppTunnel listener, an
//! HTTP `CONNECT` to the flow's destination, then the bytes both ways.

use rustls::pki_types::ServerName;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Notify, mpsc};
use tokio_rustls::TlsConnector;

/// The app id the agent's tunnels carry (`X-Postern-App`).
pub(crate) const AGENT_APP: &str = "postern-agent";
/// How long connecting and the gateway's answer may take.
const OPEN_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest answer head the agent reads.
const MAX_HEAD: usize = 8 * 1024;
/// Bytes read from the gateway at once.
const CHUNK: usize = 16 * 1024;

/// What the tunnel tells the stack about its flow.
#[derive(Debug)]
pub(crate) enum FromGateway {
    /// Bytes for the endpoint.
    Data(Vec<u8>),
    /// The gateway closed its side.
    Finished,
    /// The flow must be reset: refused, cut or failed, and why.
    Reset(String),
}

/// Where tunnels go and how.
#[derive(Clone)]
pub(crate) struct Opener {
    apptunnel: String,
    base: Arc<rustls::ClientConfig>,
    connector: TlsConnector,
    name: ServerName<'static>,
}

impl Opener {
    /// Tunnels to `apptunnel` with the device certificate of `tls`, checking the gateway's
    /// certificate for `name`.
    pub(crate) fn new(apptunnel: String, tls: Arc<rustls::ClientConfig>, name: ServerName<'static>) -> Self {
        Self { apptunnel, connector: TlsConnector::from(tls.clone()), base: tls, name }
    }

    /// The same, with a TLS session cache of its own: a data channel's tunnels resume one
    /// TLS session with the gateway, and a closed channel forgets it.
    pub(crate) fn fresh(&self) -> Self {
        let mut tls = (*self.base).clone();
        tls.resumption = rustls::client::Resumption::in_memory_sessions(16);
        Self { connector: TlsConnector::from(Arc::new(tls)), ..self.clone() }
    }
}

/// The status code of an HTTP/1.1 answer head.
fn status_of(head: &[u8]) -> Option<u16> {
    let line = head.split(|b| *b == b'\n').next()?;
    let text = std::str::from_utf8(line).ok()?;
    let mut parts = text.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/1."))?;
    parts.next()?.parse().ok()
}

/// Opens the tunnel for `destination` and relays until either side ends; every outcome
/// reaches the stack through `to_stack`.
pub(crate) async fn relay(
    opener: Opener,
    destination: SocketAddr,
    mut from_stack: mpsc::Receiver<Vec<u8>>,
    to_stack: mpsc::Sender<FromGateway>,
    wake: Arc<Notify>,
) {
    let tell = |message: FromGateway| {
        let to_stack = to_stack.clone();
        let wake = wake.clone();
        async move {
            let _ = to_stack.send(message).await;
            wake.notify_one();
        }
    };
    let opened = tokio::time::timeout(OPEN_TIMEOUT, open(&opener, destination)).await;
    let (tls, rest) = match opened {
        Ok(Ok(opened)) => opened,
        Ok(Err(reason)) => return tell(FromGateway::Reset(reason)).await,
        Err(_) => return tell(FromGateway::Reset("the gateway did not answer in time".into())).await,
    };
    if !rest.is_empty() {
        tell(FromGateway::Data(rest)).await;
    }
    let (mut reader, mut writer) = tokio::io::split(tls);
    let uplink = async {
        while let Some(chunk) = from_stack.recv().await {
            wake.notify_one();
            if writer.write_all(&chunk).await.is_err() {
                return;
            }
        }
        let _ = writer.shutdown().await;
    };
    let downlink = async {
        let mut buf = vec![0u8; CHUNK];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) => return tell(FromGateway::Finished).await,
                Ok(n) => tell(FromGateway::Data(buf[..n].to_vec())).await,
                Err(error) => return tell(FromGateway::Reset(format!("the tunnel broke: {error}"))).await,
            }
        }
    };
    // The downlink ends the flow; the uplink may finish first (the endpoint's FIN).
    tokio::pin!(downlink);
    tokio::select! {
        () = &mut downlink => {}
        () = uplink => downlink.await,
    }
}

type Tls = tokio_rustls::client::TlsStream<TcpStream>;

/// Connects, sends the `CONNECT`, reads the answer head; the tunnel and any bytes after
/// the head, or why the flow is refused.
async fn open(opener: &Opener, destination: SocketAddr) -> Result<(Tls, Vec<u8>), String> {
    let tcp = TcpStream::connect(&opener.apptunnel)
        .await
        .map_err(|e| format!("the gateway's AppTunnel {} is unreachable: {e}", opener.apptunnel))?;
    let _ = tcp.set_nodelay(true);
    let mut tls =
        opener.connector.connect(opener.name.clone(), tcp).await.map_err(|e| format!("TLS with the gateway: {e}"))?;
    let request =
        format!("CONNECT {destination} HTTP/1.1\r\nHost: {destination}\r\nX-Postern-App: {AGENT_APP}\r\n\r\n");
    tls.write_all(request.as_bytes()).await.map_err(|e| format!("sending CONNECT: {e}"))?;
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    let end = loop {
        let n = tls.read(&mut buf).await.map_err(|e| format!("reading the gateway's answer: {e}"))?;
        if n == 0 {
            return Err("the gateway closed the tunnel before answering".into());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(at) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if head.len() > MAX_HEAD {
            return Err("the gateway's answer head is too long".into());
        }
    };
    match status_of(&head[..end]) {
        Some(200) => Ok((tls, head.split_off(end))),
        Some(code) => {
            // The gateway's reason code is the body's first line.
            let body = &head[end..];
            let reason = String::from_utf8_lossy(body.split(|b| *b == b'\n').next().unwrap_or_default()).into_owned();
            Err(format!("the gateway refused the tunnel ({code}): {}", reason.trim()))
        }
        None => Err("the gateway's answer is not HTTP".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::status_of;

    #[test]
    fn the_status_code_is_read_from_the_first_line() {
        assert_eq!(status_of(b"HTTP/1.1 200 Connection established\r\n\r\n"), Some(200));
        assert_eq!(status_of(b"HTTP/1.1 403 Forbidden\r\nX: y\r\n\r\n"), Some(403));
        assert_eq!(status_of(b"SSH-2.0-x\r\n\r\n"), None);
    }
}
