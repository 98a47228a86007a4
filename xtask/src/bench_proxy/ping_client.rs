//! The device side of a held Ping: TLS to the proxy from a chosen loopback address, one
//! ActiveSync `Ping` POST, then a wait for the answer's status line.

use super::tls::server_name;
use super::tunnel::tcp_from;
use crate::shell::{Result, StepError};
use std::net::{IpAddr, SocketAddr};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinHandle;
use tokio_rustls::TlsConnector;

/// The Ping body: a few bytes, as the back end never parses it.
const BODY: &[u8] = b"\x03\x01\x6a\x00\x00\x0d\x45\x48\x03\x33\x30\x30\x00\x01\x01";

/// How a held Ping ended: the status the proxy answered (0 when the connection closed
/// without one) and when.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PingEnd {
    /// The HTTP status, or 0.
    pub(crate) status: u16,
    /// When the status line (or the close) arrived.
    pub(crate) at: Instant,
}

/// The ActiveSync id of Ping device `n` (a compliant device of the static UEM).
pub(crate) fn device_id(n: usize) -> String {
    format!("Bench{n:04}")
}

/// The request of device `n`.
fn request(n: usize) -> String {
    format!(
        "POST /Microsoft-Server-ActiveSync?Cmd=Ping&User=bench{n:04}%40example.com&DeviceId={}&DeviceType=iPhone HTTP/1.1\r\n\
         Host: 127.0.0.1\r\nContent-Type: application/vnd.ms-sync.wbxml\r\nMS-ASProtocolVersion: 16.1\r\nContent-Length: {}\r\n\r\n",
        device_id(n),
        BODY.len()
    )
}

/// Connects as device `n` from `from`, sends its Ping, and returns the task that waits for
/// the answer.
pub(crate) async fn send(proxy: SocketAddr, from: IpAddr, tls: &TlsConnector, n: usize) -> Result<JoinHandle<PingEnd>> {
    let tcp = tcp_from(from, proxy).await?;
    let mut stream =
        tls.connect(server_name(), tcp).await.map_err(|e| StepError(format!("TLS to {proxy} from {from}: {e}")))?;
    let io = |e: std::io::Error| StepError(format!("Ping of device {n}: {e}"));
    stream.write_all(request(n).as_bytes()).await.map_err(io)?;
    stream.write_all(BODY).await.map_err(io)?;
    stream.flush().await.map_err(io)?;
    Ok(tokio::spawn(async move {
        let mut line = Vec::with_capacity(32);
        while !line.ends_with(b"\r\n") && line.len() < 64 {
            match stream.read_u8().await {
                Ok(byte) => line.push(byte),
                Err(_) => break,
            }
        }
        PingEnd { status: status_code(&line), at: Instant::now() }
    }))
}

/// The code of an HTTP status line; 0 when there is none.
fn status_code(line: &[u8]) -> u16 {
    String::from_utf8_lossy(line).split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_name_distinct_devices_and_statuses_parse() {
        assert!(request(7).contains("DeviceId=Bench0007&") && request(7).contains("User=bench0007%40example.com"));
        assert_ne!(device_id(10_000), device_id(1_000));
        assert_eq!(status_code(b"HTTP/1.1 403 Forbidden\r\n"), 403);
        assert_eq!(status_code(b""), 0);
    }
}
