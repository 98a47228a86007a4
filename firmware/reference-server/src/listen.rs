//! Listeners with bounded headers, bounded concurrency and timeouts: HTTPS for an API,
//! plain HTTP for a loopback admin API.

use hyper::body::{Body, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

/// Most connections served at once per listener; more wait in the accept queue.
const MAX_CONNECTIONS: usize = 512;
/// Largest request head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// Time allowed for a TLS handshake.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time allowed to receive a request head.
const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// Serves `handler` over TLS until the process ends.
pub async fn serve_tls<F, Fut, B>(listener: TcpListener, tls: TlsAcceptor, handler: F)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<B>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    accept_loop(listener, move |tcp| {
        let (tls, handler) = (tls.clone(), handler.clone());
        async move {
            if let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await {
                serve_connection(stream, handler).await;
            }
        }
    })
    .await;
}

/// Serves `handler` in plain HTTP until the process ends.
pub async fn serve_plain<F, Fut, B>(listener: TcpListener, handler: F)
where
    F: Fn(Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<B>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    accept_loop(listener, move |tcp| serve_connection(tcp, handler.clone())).await;
}

/// Accepts connections, at most [`MAX_CONNECTIONS`] served at once, each by `serve`.
async fn accept_loop<S, Fut>(listener: TcpListener, serve: S)
where
    S: Fn(TcpStream) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let Ok((tcp, _peer)) = listener.accept().await else {
            continue;
        };
        let connection = serve(tcp);
        tokio::spawn(async move {
            let _permit = permit;
            connection.await;
        });
    }
}

async fn serve_connection<S, F, Fut, B>(stream: S, handler: F)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<B>> + Send + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let service = service_fn(move |req| {
        let answer = handler(req);
        async move { Ok::<_, Infallible>(answer.await) }
    });
    let _ = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEAD_TIMEOUT)
        .max_buf_size(MAX_HEAD_BYTES)
        .serve_connection(TokioIo::new(stream), service)
        .await;
}
