//! The two listeners: the API over TLS and the admin API in plain HTTP, each with
//! bounded headers, bounded concurrency and timeouts.

use crate::admin::{self, AdminContext};
use crate::api::{self, ApiContext};
use crate::http::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
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

/// Serves the API over TLS until the process ends.
pub(crate) async fn serve_api(listener: TcpListener, tls: TlsAcceptor, ctx: Arc<ApiContext>) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let Ok((tcp, _peer)) = listener.accept().await else {
            continue;
        };
        let (tls, ctx) = (tls.clone(), ctx.clone());
        tokio::spawn(async move {
            let _permit = permit;
            let Ok(Ok(stream)) = tokio::time::timeout(HANDSHAKE_TIMEOUT, tls.accept(tcp)).await else {
                return;
            };
            serve_connection(stream, move |req| api::handle(ctx.clone(), req)).await;
        });
    }
}

/// Serves the admin API in plain HTTP until the process ends.
pub(crate) async fn serve_admin(listener: TcpListener, ctx: Arc<AdminContext>) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok(permit) = permits.clone().acquire_owned().await else {
            return;
        };
        let Ok((tcp, _peer)) = listener.accept().await else {
            continue;
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let _permit = permit;
            serve_connection(tcp, move |req| admin::handle(ctx.clone(), req)).await;
        });
    }
}

async fn serve_connection<S, F, Fut>(stream: S, handler: F)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    F: Fn(Request<Incoming>) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
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
