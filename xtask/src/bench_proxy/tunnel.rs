//! The device side of an AppTunnel: TCP to posternd from a chosen loopback address,
//! mutual TLS with a device certificate, `CONNECT host:port` naming the app, and the
//! `200` that turns the stream into a tunnel.

use super::tls::server_name;
use crate::shell::{Result, StepError};
use std::net::{IpAddr, SocketAddr};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

/// The app id the benchmark's tunnels name (the static UEM authorises every app).
const APP: &str = "com.example.bench";
/// The longest answer head accepted to a CONNECT.
const HEAD_MAX: usize = 8 * 1024;

/// An open tunnel: bytes written go to the back end, bytes read come from it.
pub(crate) type Tunnel = TlsStream<TcpStream>;

/// A TCP connection to `to` from `from` (any free port).
pub(crate) async fn tcp_from(from: IpAddr, to: SocketAddr) -> Result<TcpStream> {
    let socket = if from.is_ipv4() { TcpSocket::new_v4() } else { TcpSocket::new_v6() };
    let socket = socket.map_err(|e| StepError(format!("creating a socket: {e}")))?;
    socket.bind(SocketAddr::new(from, 0)).map_err(|e| StepError(format!("binding to {from}: {e}")))?;
    socket.connect(to).await.map_err(|e| StepError(format!("connecting {from} to {to}: {e}")))
}

/// Opens a tunnel through the gateway at `gateway` to `target`, connecting from `from`
/// with the device identity in `tls`.
pub(crate) async fn open(gateway: SocketAddr, from: IpAddr, tls: &TlsConnector, target: SocketAddr) -> Result<Tunnel> {
    let tcp = tcp_from(from, gateway).await?;
    let mut stream =
        tls.connect(server_name(), tcp).await.map_err(|e| StepError(format!("TLS to the gateway from {from}: {e}")))?;
    let request = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nX-Postern-App: {APP}\r\n\r\n");
    let io = |e: std::io::Error| StepError(format!("CONNECT {target} from {from}: {e}"));
    stream.write_all(request.as_bytes()).await.map_err(io)?;
    stream.flush().await.map_err(io)?;
    // Byte by byte, so nothing after the head (the tunnel's first bytes) is consumed.
    let mut head = Vec::with_capacity(256);
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= HEAD_MAX {
            return Err(StepError(format!("CONNECT {target}: the answer head exceeds {HEAD_MAX} bytes")));
        }
        head.push(stream.read_u8().await.map_err(io)?);
    }
    check_established(&String::from_utf8_lossy(&head))
        .map_err(|why| StepError(format!("CONNECT {target} from {from}: {why}")))?;
    Ok(stream)
}

/// Accepts a `2xx` answer head; otherwise says what the gateway answered and why.
fn check_established(head: &str) -> std::result::Result<(), String> {
    let status = head.lines().next().unwrap_or_default();
    let code = status.split_whitespace().nth(1).unwrap_or_default();
    if code.len() == 3 && code.starts_with('2') {
        return Ok(());
    }
    let reason = head.lines().find_map(|l| {
        let (name, value) = l.split_once(':')?;
        name.eq_ignore_ascii_case("x-postern-reason").then(|| value.trim().to_owned())
    });
    Err(format!("refused with {status:?} (reason {})", reason.as_deref().unwrap_or("not given")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_2xx_head_opens_the_tunnel_and_a_refusal_says_why() {
        assert_eq!(check_established("HTTP/1.1 200 OK\r\n\r\n"), Ok(()));
        let refused = check_established("HTTP/1.1 429 Too Many Requests\r\nX-Postern-Reason: device-limit\r\n\r\n")
            .expect_err("refused");
        assert!(refused.contains("429") && refused.contains("device-limit"), "{refused}");
        assert!(check_established("garbage").is_err());
        assert!(check_established("HTTP/1.1 2000 OK\r\n\r\n").is_err());
    }
}
