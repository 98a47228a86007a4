//! A small Exchange stand-in: records what it receives, and on request holds its answer,
//! streams a big body, or drips one slowly. Bodies are read and written in chunks, never
//! held whole.

use http_body_util::BodyExt;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use hyper::http::{HeaderMap, Request, Response};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// One request as the back end saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub target: String,
    pub headers: HeaderMap,
    pub body_bytes: u64,
}

/// What the back end has received so far.
#[derive(Default)]
pub struct Record {
    pub hits: AtomicUsize,
    pub connections: AtomicUsize,
    pub seen: Mutex<Vec<Seen>>,
}

impl Record {
    pub fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    pub fn last(&self) -> Seen {
        self.seen.lock().unwrap().last().cloned().expect("the back end saw a request")
    }
}

/// A running back end.
pub struct Backend {
    pub addr: SocketAddr,
    pub record: Arc<Record>,
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.parse().ok()
}

/// A body of `remaining` bytes made of one repeated chunk, produced as it is read.
pub struct Generated {
    pub remaining: u64,
    pub chunk: Bytes,
    pub delay: Option<Pin<Box<tokio::time::Sleep>>>,
    pub interval: Option<Duration>,
}

impl Generated {
    pub fn new(total: u64) -> Self {
        Self { remaining: total, chunk: Bytes::from(vec![b'x'; 64 * 1024]), delay: None, interval: None }
    }

    /// One small chunk every `interval`.
    pub fn dripping(total: u64, interval: Duration) -> Self {
        Self { remaining: total, chunk: Bytes::from_static(b"drip\n"), delay: None, interval: Some(interval) }
    }
}

impl Body for Generated {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.remaining == 0 {
            return Poll::Ready(None);
        }
        if let Some(interval) = self.interval {
            let delay = self.delay.get_or_insert_with(|| Box::pin(tokio::time::sleep(interval)));
            if delay.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.delay = None;
        }
        let n = self.remaining.min(self.chunk.len() as u64);
        self.remaining -= n;
        let chunk = self.chunk.slice(..n as usize);
        Poll::Ready(Some(Ok(Frame::data(chunk))))
    }

    fn size_hint(&self) -> SizeHint {
        if self.interval.is_some() { SizeHint::default() } else { SizeHint::with_exact(self.remaining) }
    }
}

type AnyBody = http_body_util::combinators::BoxBody<Bytes, Infallible>;

async fn answer(record: Arc<Record>, request: Request<Incoming>) -> Result<Response<AnyBody>, Infallible> {
    record.hits.fetch_add(1, Ordering::SeqCst);
    let (parts, mut body) = request.into_parts();
    let mut body_bytes = 0u64;
    while let Some(Ok(frame)) = body.frame().await {
        if let Some(data) = frame.data_ref() {
            body_bytes += data.len() as u64;
        }
    }
    record.seen.lock().unwrap().push(Seen {
        method: parts.method.to_string(),
        target: parts.uri.to_string(),
        headers: parts.headers.clone(),
        body_bytes,
    });
    if let Some(ms) = header_u64(&parts.headers, "x-test-hold-ms") {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
    let mut response = Response::builder().status(200).header("ms-server-activesync", "15.1");
    if parts.method == hyper::http::Method::OPTIONS {
        response = response
            .header("ms-asprotocolversions", "14.0,14.1,16.0,16.1")
            .header("connection", "x-backend-private")
            .header("x-backend-private", "1");
    }
    let body: AnyBody = if let Some(n) = header_u64(&parts.headers, "x-test-download") {
        Generated::new(n).boxed()
    } else if let Some(n) = header_u64(&parts.headers, "x-test-drip") {
        Generated::dripping(n, Duration::from_millis(100)).boxed()
    } else {
        http_body_util::Full::new(Bytes::from(format!("received {body_bytes}"))).boxed()
    };
    Ok(response.body(body).unwrap())
}

/// Starts a back end on loopback.
pub async fn start() -> Backend {
    start_with(None).await
}

/// Starts a back end on loopback speaking TLS.
pub async fn start_tls(acceptor: TlsAcceptor) -> Backend {
    start_with(Some(acceptor)).await
}

async fn start_with(tls: Option<TlsAcceptor>) -> Backend {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let record = Arc::new(Record::default());
    let shared = record.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            shared.connections.fetch_add(1, Ordering::SeqCst);
            let record = shared.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| answer(record.clone(), request));
                let builder = http1::Builder::new();
                match tls {
                    None => drop(builder.serve_connection(TokioIo::new(stream), service).await),
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(stream).await {
                            drop(builder.serve_connection(TokioIo::new(stream), service).await);
                        }
                    }
                }
            });
        }
    });
    Backend { addr, record }
}

/// An address where nothing listens.
pub async fn absent() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}
