//! Back ends on loopback: TCP echo servers that count connections, a tiny HTTP server,
//! and the address of one that is down.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A running back end and how many connections it accepted.
pub struct Backend {
    pub port: u16,
    accepted: Arc<AtomicUsize>,
}

impl Backend {
    pub fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }
}

async fn serve<F, Fut>(handler: F) -> Backend
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a back end");
    let port = listener.local_addr().expect("address").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(handler(stream));
        }
    });
    Backend { port, accepted }
}

/// Echoes every byte back until the client closes.
pub async fn echo() -> Backend {
    serve(|mut stream| async move {
        let mut buf = [0u8; 8192];
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 || stream.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    })
    .await
}

/// Answers each connection's first HTTP request with `200` and a body naming `name` and
/// the request line, then closes.
pub async fn http(name: &'static str) -> Backend {
    serve(move |mut stream| async move {
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            match stream.read(&mut byte).await {
                Ok(1) => head.push(byte[0]),
                _ => return,
            }
        }
        let text = String::from_utf8_lossy(&head);
        let line = text.lines().next().unwrap_or_default();
        let body = format!("{name}: {line}\n");
        let answer = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
        let _ = stream.write_all(answer.as_bytes()).await;
        let _ = stream.shutdown().await;
    })
    .await
}

/// A loopback port nothing listens on.
pub async fn down() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("address");
    drop(listener);
    addr.port()
}

/// A keep-alive HTTP/1.1 server: reads each request (with a `Content-Length` body) and
/// answers `200` with the request head it saw, then `body-bytes: <n>`.
pub async fn mirror() -> Backend {
    serve(|mut stream| async move {
        let mut buffered = Vec::new();
        loop {
            let head_end = loop {
                if let Some(at) = buffered.windows(4).position(|w| w == b"\r\n\r\n") {
                    break at + 4;
                }
                let mut chunk = [0u8; 4096];
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buffered.extend_from_slice(&chunk[..n]),
                }
            };
            let head = String::from_utf8_lossy(&buffered[..head_end]).into_owned();
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.split_once(':')
                        .filter(|(n, _)| n.eq_ignore_ascii_case("content-length"))
                        .and_then(|(_, v)| v.trim().parse().ok())
                })
                .unwrap_or(0);
            while buffered.len() < head_end + length {
                let mut chunk = [0u8; 4096];
                match stream.read(&mut chunk).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => buffered.extend_from_slice(&chunk[..n]),
                }
            }
            buffered.drain(..head_end + length);
            let body = format!("{head}body-bytes: {length}\n");
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nKeep-Alive: timeout=60\r\nX-Backend: mirror\r\n\r\n{body}",
                body.len()
            );
            if stream.write_all(answer.as_bytes()).await.is_err() {
                return;
            }
        }
    })
    .await
}
