//! A plain-HTTP back end that holds every request for a while before answering, as
//! Exchange holds a Ping until its heartbeat ends; it counts the requests it holds now.

use super::task::TaskGuard;
use crate::shell::{Result, StepError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The longest request head read.
const HEAD_MAX: usize = 16 * 1024;

/// A running holding back end; stopped when dropped.
pub(crate) struct HeldBackend {
    /// Where it listens.
    pub(crate) addr: SocketAddr,
    held: Arc<AtomicUsize>,
    _task: TaskGuard,
}

impl HeldBackend {
    /// Starts it on a free loopback port; every request is answered `hold` after it came,
    /// unless its connection closes first.
    pub(crate) async fn start(hold: Duration) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| StepError(format!("binding the holding back end: {e}")))?;
        let addr = listener.local_addr().map_err(|e| StepError(format!("the holding back end's address: {e}")))?;
        let held = Arc::new(AtomicUsize::new(0));
        let counter = held.clone();
        let task = tokio::spawn(async move {
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(serve(tcp, hold, counter.clone()));
            }
        });
        Ok(Self { addr, held, _task: TaskGuard(task) })
    }

    /// Requests being held now.
    pub(crate) fn held(&self) -> usize {
        self.held.load(Ordering::Relaxed)
    }
}

/// Decrements the held count when a hold ends, however it ends.
struct Holding(Arc<AtomicUsize>);

impl Drop for Holding {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Serves keep-alive requests on one connection until it closes.
async fn serve(mut tcp: TcpStream, hold: Duration, held: Arc<AtomicUsize>) {
    let mut buffer = Vec::with_capacity(1024);
    loop {
        let Some(body_left) = read_head(&mut tcp, &mut buffer).await else { return };
        if skip_body(&mut tcp, &mut buffer, body_left).await.is_none() {
            return;
        }
        held.fetch_add(1, Ordering::Relaxed);
        let holding = Holding(held.clone());
        let mut probe = [0u8; 1];
        tokio::select! {
            () = tokio::time::sleep(hold) => {}
            // The proxy closed the connection (a cut): the hold ends with it.
            _ = tcp.read(&mut probe) => return,
        }
        drop(holding);
        let body = b"held request answered\n";
        let head = format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n", body.len());
        if tcp.write_all(head.as_bytes()).await.is_err() || tcp.write_all(body).await.is_err() {
            return;
        }
    }
}

/// Reads one request head into `buffer` (consuming it) and returns its Content-Length;
/// `None` when the connection ends or the head is malformed.
async fn read_head(tcp: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<usize> {
    loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buffer[..end]).into_owned();
            buffer.drain(..end + 4);
            return Some(content_length(&head));
        }
        if buffer.len() > HEAD_MAX {
            return None;
        }
        let mut chunk = [0u8; 4096];
        match tcp.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
}

/// Consumes `length` body bytes, from `buffer` first and then from the connection.
async fn skip_body(tcp: &mut TcpStream, buffer: &mut Vec<u8>, length: usize) -> Option<()> {
    let from_buffer = length.min(buffer.len());
    buffer.drain(..from_buffer);
    let mut left = length - from_buffer;
    let mut chunk = [0u8; 4096];
    while left > 0 {
        let n = tcp.read(&mut chunk[..left.min(4096)]).await.ok().filter(|&n| n > 0)?;
        left -= n;
    }
    Some(())
}

/// The Content-Length of a request head (0 when absent).
fn content_length(head: &str) -> usize {
    head.lines()
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_length_comes_from_the_head() {
        assert_eq!(content_length("POST / HTTP/1.1\r\nHost: x\r\ncontent-length: 12"), 12);
        assert_eq!(content_length("POST / HTTP/1.1\r\nHost: x"), 0);
    }

    #[tokio::test]
    async fn a_request_is_held_and_its_hold_ends_when_the_client_leaves() {
        let backend = HeldBackend::start(Duration::from_secs(60)).await.expect("starts");
        let mut client = TcpStream::connect(backend.addr).await.expect("connects");
        client.write_all(b"POST /x HTTP/1.1\r\nHost: b\r\nContent-Length: 4\r\n\r\nping").await.expect("writes");
        let until = tokio::time::Instant::now() + Duration::from_secs(5);
        while backend.held() != 1 {
            assert!(tokio::time::Instant::now() < until, "the request was never held");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        drop(client);
        while backend.held() != 0 {
            assert!(tokio::time::Instant::now() < until, "the hold outlived its connection");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
