//! Plain HTTP proxying: an absolute-form request (`GET http://host/path HTTP/1.1`) sent
//! to the service's back end in origin form, over a back-end connection kept for the
//! app's keep-alive connection while its requests go to the same target.

use crate::forward_headers;
use crate::live_tunnels::TunnelGuard;
use crate::refusal::Body;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::client::conn::http1::{self, SendRequest};
use hyper::{Request, Response, Uri};
use hyper_util::rt::TokioIo;
use postern_decision::TunnelKey;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::AbortHandle;

/// How long a kept back-end connection may take to become ready for the next request.
const READY_WAIT: Duration = Duration::from_secs(1);

/// The `(host, port)` of an absolute-form `http://` request; `None` for any other form.
pub(crate) fn absolute_target(uri: &Uri) -> Option<(String, u16)> {
    let scheme = uri.scheme_str()?;
    if !scheme.eq_ignore_ascii_case("http") {
        return None;
    }
    let authority = uri.authority()?;
    Some((authority.host().to_owned(), authority.port_u16().unwrap_or(80)))
}

/// Why a forwarded request got no response.
#[derive(Debug)]
pub(crate) enum ForwardFailure {
    /// No response head within the wait.
    Timeout,
    /// The back-end connection failed.
    Failed(hyper::Error),
}

/// A back-end connection for one device, app and target; a live tunnel until dropped.
pub(crate) struct Upstream {
    key: TunnelKey,
    target: (String, u16),
    sender: SendRequest<Incoming>,
    task: AbortHandle,
    pub(crate) guard: TunnelGuard,
}

impl Drop for Upstream {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Upstream {
    /// Speaks HTTP/1.1 over `stream`. The connection ends when the tunnel is cut, which
    /// also ends a response body still streaming.
    pub(crate) async fn open(
        stream: TcpStream,
        guard: TunnelGuard,
        key: TunnelKey,
        target: (String, u16),
    ) -> Result<Self, hyper::Error> {
        let (sender, connection) = http1::handshake(TokioIo::new(stream)).await?;
        let mut cut = guard.cut.clone();
        let task = tokio::spawn(async move {
            tokio::select! {
                ended = connection => if let Err(error) = ended {
                    tracing::debug!(%error, "AppTunnel back-end connection ended with an error");
                },
                Ok(_) = cut.wait_for(|cut| *cut) => {}
            }
        });
        Ok(Self { key, target, sender, task: task.abort_handle(), guard })
    }

    /// Whether a request of `key` to `target` may reuse this connection.
    pub(crate) fn usable_for(&self, key: &TunnelKey, target: &(String, u16)) -> bool {
        self.key == *key && self.target == *target && !*self.guard.cut.borrow() && !self.sender.is_closed()
    }

    /// Sends `request` and waits up to `wait` for the response head.
    pub(crate) async fn exchange(
        &mut self,
        request: Request<Incoming>,
        wait: Duration,
    ) -> Result<Response<Incoming>, ForwardFailure> {
        match tokio::time::timeout(READY_WAIT, self.sender.ready()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => return Err(ForwardFailure::Failed(error)),
            Err(_) => return Err(ForwardFailure::Timeout),
        }
        match tokio::time::timeout(wait, self.sender.send_request(request)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(ForwardFailure::Failed(error)),
            Err(_) => Err(ForwardFailure::Timeout),
        }
    }
}

/// The request as the back end gets it: origin form, `Host` from the target, hop-by-hop,
/// `Proxy-*` and app headers removed; the body is streamed as it arrives.
pub(crate) fn origin_request(request: Request<Incoming>) -> Request<Incoming> {
    let (mut parts, body) = request.into_parts();
    let authority = parts.uri.authority().map(|a| a.as_str().to_owned()).unwrap_or_default();
    forward_headers::for_backend(&mut parts.headers, &authority);
    let origin = parts.uri.path_and_query().map_or("/", |pq| pq.as_str());
    parts.uri = origin.parse().unwrap_or_else(|_| Uri::from_static("/"));
    Request::from_parts(parts, body)
}

/// The back end's response as the app gets it: hop-by-hop headers removed, the body
/// streamed as it arrives.
pub(crate) fn relay_response(response: Response<Incoming>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    forward_headers::strip_hop_by_hop(&mut parts.headers);
    Response::from_parts(parts, body.boxed_unsync())
}
