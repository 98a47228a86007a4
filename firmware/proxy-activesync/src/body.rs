//! Bodies: the client's upload metered on its way to the back end, and the answer sent
//! back (a short local text, or the back end's body streamed, ended early by a cut).

use crate::backend::{Backend, Connection};
use crate::error::BodyError;
use crate::live::Registration;
use http_body_util::Full;
use hyper::body::{Body, Bytes, Frame, Incoming, SizeHint};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;
use tokio::sync::oneshot;

/// The client's request body on its way to the back end, counting its bytes.
pub(crate) struct UpBody {
    inner: Incoming,
    bytes: Arc<AtomicU64>,
}

impl UpBody {
    pub(crate) fn new(inner: Incoming, bytes: Arc<AtomicU64>) -> Self {
        Self { inner, bytes }
    }
}

impl Body for UpBody {
    type Data = Bytes;
    type Error = hyper::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled {
            if let Some(data) = frame.data_ref() {
                self.bytes.fetch_add(data.len() as u64, Ordering::Relaxed);
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// One request's access-log line, written when its response body is done with.
pub(crate) struct AccessRecord {
    pub(crate) method: hyper::Method,
    /// The request's path (the query, which names users and devices, is not logged). A
    /// copy: the request's own target shares the connection's read buffer, which a held
    /// request would otherwise keep from being reused.
    pub(crate) path: Box<str>,
    pub(crate) peer: std::net::SocketAddr,
    pub(crate) device: Option<postern_decision::EasDeviceId>,
    pub(crate) status: u16,
    pub(crate) bytes_in: Arc<AtomicU64>,
    pub(crate) bytes_out: u64,
    pub(crate) started: Instant,
    pub(crate) outcome: &'static str,
    /// Counts the request under its outcome when it is done.
    pub(crate) counter: Option<postern_metrics::LabelledCounter>,
    /// Neither counted nor logged (a balancer's health check, several a second).
    pub(crate) quiet: bool,
}

impl Drop for AccessRecord {
    fn drop(&mut self) {
        if self.quiet {
            return;
        }
        if let Some(counter) = &self.counter {
            counter.inc(self.outcome);
        }
        tracing::info!(
            target: "postern::access",
            method = %self.method,
            path = %self.path,
            peer = %self.peer.ip(),
            device = self.device.as_ref().map_or("-", |d| d.as_str()),
            status = self.status,
            bytes_in = self.bytes_in.load(Ordering::Relaxed),
            bytes_out = self.bytes_out,
            duration_ms = self.started.elapsed().as_millis() as u64,
            outcome = self.outcome,
            "ActiveSync request"
        );
    }
}

/// A back-end response being streamed to the client.
pub(crate) struct Relayed {
    pub(crate) inner: Incoming,
    pub(crate) conn: Option<Connection>,
    pub(crate) backend: Arc<Backend>,
    pub(crate) cut: Option<oneshot::Receiver<&'static str>>,
    pub(crate) registration: Option<Registration>,
}

impl Relayed {
    /// The back end's body ended cleanly: the connection can serve the next request, and
    /// the request is no longer live.
    fn finish(&mut self, record: &mut AccessRecord) {
        record.outcome = "done";
        self.registration = None;
        self.cut = None;
        if let Some(conn) = self.conn.take() {
            self.backend.give_back(conn);
        }
    }
}

enum Kind {
    Local(Full<Bytes>),
    Relayed(Relayed),
}

/// The body of every answer the proxy gives: a short local text, or the back end's
/// body streamed as it arrives. When it is dropped, the request's access-log event is
/// written.
pub struct ProxyBody {
    kind: Kind,
    record: AccessRecord,
}

impl ProxyBody {
    pub(crate) fn local(text: Bytes, mut record: AccessRecord, status: u16, outcome: &'static str) -> Self {
        record.status = status;
        record.bytes_out = text.len() as u64;
        record.outcome = outcome;
        Self { kind: Kind::Local(Full::new(text)), record }
    }

    pub(crate) fn relayed(mut relayed: Relayed, mut record: AccessRecord, status: u16) -> Self {
        record.status = status;
        record.outcome = "streaming";
        // An empty body is never polled: the exchange is complete already.
        if relayed.inner.is_end_stream() {
            relayed.finish(&mut record);
        }
        Self { kind: Kind::Relayed(relayed), record }
    }
}

impl std::fmt::Debug for ProxyBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            Kind::Local(_) => "local",
            Kind::Relayed(_) => "relayed",
        };
        f.debug_struct("ProxyBody").field("kind", &kind).field("status", &self.record.status).finish()
    }
}

impl Body for ProxyBody {
    type Data = Bytes;
    type Error = BodyError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BodyError>>> {
        let this = self.get_mut();
        let relayed = match &mut this.kind {
            Kind::Local(full) => return Pin::new(full).poll_frame(cx).map_err(|never| match never {}),
            Kind::Relayed(relayed) => relayed,
        };
        if let Some(cut) = relayed.cut.as_mut() {
            if let Poll::Ready(signal) = Pin::new(cut).poll(cx) {
                relayed.cut = None;
                if let Ok(reason) = signal {
                    relayed.conn = None;
                    this.record.outcome = "cut";
                    return Poll::Ready(Some(Err(BodyError::Cut { reason })));
                }
            }
        }
        match Pin::new(&mut relayed.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.record.bytes_out += data.len() as u64;
                }
                // A body of known length may never be polled past its last frame.
                if relayed.inner.is_end_stream() {
                    relayed.finish(&mut this.record);
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(error))) => {
                relayed.conn = None;
                this.record.outcome = "backend-failed";
                Poll::Ready(Some(Err(BodyError::Backend(error))))
            }
            Poll::Ready(None) => {
                relayed.finish(&mut this.record);
                Poll::Ready(None)
            }
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.kind {
            Kind::Local(full) => full.is_end_stream(),
            Kind::Relayed(relayed) => relayed.inner.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.kind {
            Kind::Local(full) => full.size_hint(),
            Kind::Relayed(relayed) => relayed.inner.size_hint(),
        }
    }
}
