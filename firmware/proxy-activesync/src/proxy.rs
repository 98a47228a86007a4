//! The proxy: route, decide, forward, answer.

use crate::answer::local;
use crate::backend::{Backend, Connection};
use crate::body::{AccessRecord, ProxyBody, Relayed, UpBody};
use crate::client::ClientInfo;
use crate::config::ProxyConfig;
use crate::error::{BackendError, ProxyError};
use crate::forward_headers;
use crate::live::{self, Registration, Registry};
use crate::route::{self, Route};
use hyper::body::Incoming;
use hyper::http::{Request, Response, StatusCode, Uri};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use postern_decision::EasRequest;
use postern_gateway::Gateway;
use std::convert::Infallible;
use std::future::Future;
use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Instant;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

/// The ActiveSync reverse proxy. Cheap to share (`Arc`); serves any decrypted stream.
pub struct ActiveSyncProxy {
    config: ProxyConfig,
    gateway: Arc<Gateway>,
    /// The back end in force: the configuration's, until a commit changes it.
    backend: RwLock<Arc<Backend>>,
    live: Arc<Registry>,
    watcher: AbortHandle,
}

impl Drop for ActiveSyncProxy {
    fn drop(&mut self) {
        self.watcher.abort();
    }
}

impl std::fmt::Debug for ActiveSyncProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ActiveSyncProxy").field("backend", &self.backend().host_header).finish_non_exhaustive()
    }
}

/// A forwarded request's link to the cut registry.
type Live = (Registration, oneshot::Receiver<&'static str>);

impl ActiveSyncProxy {
    /// A proxy deciding with `gateway` and forwarding to `config.backend`. Must be called
    /// inside a Tokio runtime: it starts watching the gateway's cuts (A7) at once.
    pub fn new(gateway: Arc<Gateway>, config: ProxyConfig) -> Result<Arc<Self>, ProxyError> {
        config.check()?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ProxyError::NoRuntime)?;
        let backend = RwLock::new(Arc::new(Backend::new(&config)?));
        let live = Arc::new(Registry::default());
        let watcher = runtime
            .spawn(live::watch_cuts(
                Arc::downgrade(&live),
                gateway.subscribe_cuts(),
                Arc::downgrade(&gateway),
                gateway.subscribe_blocks(),
            ))
            .abort_handle();
        Ok(Arc::new(Self { config, gateway, backend, live, watcher }))
    }

    /// Forwards to another back end from now on (`activesync backend`, `backend-ca` or
    /// `tls min-version` at commit). Requests already forwarded, held Pings included,
    /// finish with the back end they began with. On an error nothing changes.
    pub fn set_backend(
        &self,
        url: &str,
        ca_file: Option<PathBuf>,
        floor: postern_proxy_front::TlsFloor,
    ) -> Result<(), ProxyError> {
        let mut config = self.config.clone();
        config.backend = crate::config::BackendUrl::parse(url)?;
        config.backend_ca_file = ca_file;
        config.backend_tls_floor = floor;
        let backend = Arc::new(Backend::new(&config)?);
        tracing::info!(backend = %config.backend.authority(), ?floor, "ActiveSync back end changed: new requests go to it");
        *self.backend.write().unwrap_or_else(PoisonError::into_inner) = backend;
        Ok(())
    }

    fn backend(&self) -> Arc<Backend> {
        Arc::clone(&self.backend.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Requests currently forwarded (or being decided) for a device.
    pub fn live_requests(&self) -> usize {
        self.live.count()
    }

    /// Serves one connection (HTTP/1.1, keep-alive) until the client closes it or the
    /// gateway shuts down: then the request in flight is finished (a held `Ping` or `Sync`
    /// is answered 503 at once), its answer says `Connection: close`, and an idle
    /// connection is closed. The front end may instead run its own hyper server and call
    /// [`ActiveSyncProxy::handle`].
    pub fn serve<I>(self: Arc<Self>, io: I, client: ClientInfo) -> impl Future<Output = ()> + Send + 'static
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let service = {
            let (proxy, client) = (self.clone(), client.clone());
            service_fn(move |request| {
                let (proxy, client) = (proxy.clone(), client.clone());
                async move { Ok::<_, Infallible>(proxy.handle(request, &client).await) }
            })
        };
        // Built before the returned future, which then holds the stream once (inside the
        // connection) rather than once more as an argument kept for its whole life.
        let served =
            postern_proxy_front::hardened_http1_builder(&self.config.http).serve_connection(TokioIo::new(io), service);
        async move {
            tokio::pin!(served);
            let served = tokio::select! {
                served = served.as_mut() => served,
                () = client.shutdown_requested() => {
                    served.as_mut().graceful_shutdown();
                    served.as_mut().await
                }
            };
            if let Err(error) = served {
                tracing::debug!(peer = %client.peer, %error, "client connection ended with an error");
            }
        }
    }

    /// Answers one request: the health answer at `/health` when [`ProxyConfig::health`]
    /// is set (200 while serving, 503 once a graceful shutdown began), 404 off the ActiveSync path, 405 for other methods, 400 when
    /// malformed, 503 when no decision can be made (with Retry-After when the gateway is
    /// busy with first accesses), 403 when the device is blocked, 503 (`shutting-down`)
    /// to a held `Ping` or `Sync` when the gateway stops; otherwise the back end's answer (502 when it cannot be reached, 504 when it is slow).
    pub async fn handle(&self, request: Request<Incoming>, client: &ClientInfo) -> Response<ProxyBody> {
        let mut record = AccessRecord {
            method: request.method().clone(),
            path: request.uri().path().into(),
            peer: client.peer,
            device: None,
            status: 0,
            bytes_in: Arc::new(AtomicU64::new(0)),
            bytes_out: 0,
            started: Instant::now(),
            outcome: "",
            counter: self.config.requests.clone(),
            quiet: false,
        };
        if let (Some(health), postern_metrics::HEALTH_PATH) = (&self.config.health, request.uri().path()) {
            record.quiet = true;
            let (status, text) = health.answer();
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return local(status, None, text.trim_end(), record, "health");
        }
        match route::route(request.method(), request.uri(), request.headers()) {
            Route::NotFound => local(StatusCode::NOT_FOUND, None, "not found", record, "not-found"),
            Route::MethodNotAllowed => {
                local(StatusCode::METHOD_NOT_ALLOWED, None, "ActiveSync takes POST and OPTIONS", record, "method")
            }
            Route::Malformed(why) => {
                tracing::info!(peer = %client.peer.ip(), error = %why, "malformed ActiveSync request refused");
                local(
                    StatusCode::BAD_REQUEST,
                    None,
                    &format!("malformed ActiveSync request: {why}"),
                    record,
                    "malformed",
                )
            }
            // Discovery names no device: there is nothing to decide on yet, and it only
            // tells the client which versions and commands the back end supports.
            Route::Discovery => self.forward(request, client, record, None, false).await,
            Route::Device { request: eas, command } => {
                record.device = Some(eas.eas_device_id.clone());
                // Registered before deciding, so a cut that lands during the decision
                // still ends this request.
                let (registration, mut cut) = self.live.register(eas.eas_device_id.clone(), eas.user.as_ref());
                let command_name = command.map_or("-", |c| c.as_str());
                // Boxed: the decision's state is needed only while deciding, and a held
                // request's future would otherwise keep room for it as long as it is held.
                let deciding = Box::pin(self.gateway.activesync_access_from(&eas, Some(client.peer.ip())));
                let decision = match deciding.await {
                    Ok(decision) => decision,
                    Err(postern_gateway::GatewayError::Busy { what, retry_after }) => {
                        log_decision(&eas, command_name, "busy", "overloaded");
                        let mut answer = local(
                            StatusCode::SERVICE_UNAVAILABLE,
                            Some("overloaded"),
                            &format!("busy ({what}); try again later"),
                            record,
                            "busy",
                        );
                        answer.headers_mut().insert(
                            hyper::header::RETRY_AFTER,
                            hyper::header::HeaderValue::from(retry_after.as_secs()),
                        );
                        return answer;
                    }
                    Err(error) => {
                        log_decision(&eas, command_name, "error", "gateway-error");
                        tracing::warn!(device = %eas.eas_device_id, %error, "no decision: refused with 503");
                        return local(
                            StatusCode::SERVICE_UNAVAILABLE,
                            Some("gateway-error"),
                            "the gateway cannot decide on this device now; try again later",
                            record,
                            "error",
                        );
                    }
                };
                log_decision(&eas, command_name, decision.verdict.code(), decision.reason.code());
                if !decision.allows() {
                    return local(
                        StatusCode::FORBIDDEN,
                        Some(decision.reason.code()),
                        decision.reason.description(),
                        record,
                        "blocked",
                    );
                }
                if let Some(posture) = &self.config.posture {
                    let device = || self.gateway.uem_device_of(&eas.eas_device_id);
                    let user = eas.user.as_ref().map(|u| u.as_str());
                    if let Some(reason) = posture.results.refusal(&device, user) {
                        let outcome = crate::posture::outcome(&reason);
                        log_decision(&eas, command_name, "block", outcome);
                        self.gateway.count_posture_refusal();
                        return local(
                            StatusCode::FORBIDDEN,
                            Some(&reason),
                            "the device has not passed the Host Checker policies of a role that opens the back end",
                            record,
                            outcome,
                        );
                    }
                }
                if let Ok(reason) = cut.try_recv() {
                    return local(StatusCode::FORBIDDEN, Some(reason), "the device was cut", record, "cut");
                }
                self.forward(request, client, record, Some((registration, cut)), route::holds(command)).await
            }
        }
    }

    async fn forward(
        &self,
        request: Request<Incoming>,
        client: &ClientInfo,
        record: AccessRecord,
        live: Option<Live>,
        holds: bool,
    ) -> Response<ProxyBody> {
        let backend = self.backend();
        let (mut parts, body) = request.into_parts();
        forward_headers::for_backend(
            &mut parts.headers,
            &self.config,
            backend.host_value.as_ref(),
            client.forwarded_for.as_ref(),
            client.proto,
        );
        // Origin form for the back end: the path and query as received, without parsing
        // them again (the parts share the request's bytes).
        if let Some(path_and_query) = parts.uri.path_and_query().cloned() {
            let mut origin = hyper::http::uri::Parts::default();
            origin.path_and_query = Some(path_and_query);
            if let Ok(uri) = Uri::from_parts(origin) {
                parts.uri = uri;
            }
        }
        let upstream = Request::from_parts(parts, UpBody::new(body, record.bytes_in.clone()));
        let wait = if holds { self.config.hold_max } else { self.config.response_timeout };
        let (registration, mut cut) = match live {
            Some((registration, cut)) => (Some(registration), Some(cut)),
            None => (None, None),
        };
        let cut_signal = async {
            match cut.as_mut() {
                Some(rx) => match rx.await {
                    Ok(reason) => reason,
                    Err(_) => std::future::pending().await,
                },
                None => std::future::pending().await,
            }
        };
        // A held request would outlast the drain: answered at once when shutdown begins,
        // so the client sees a whole answer and asks again (of this gateway or another).
        let stopping = async {
            match holds {
                true => client.shutdown_requested().await,
                false => std::future::pending().await,
            }
        };
        let outcome = tokio::select! {
            reason = cut_signal => {
                return local(StatusCode::FORBIDDEN, Some(reason), "the device was cut", record, "cut");
            }
            () = stopping => {
                tracing::info!(peer = %client.peer, "held request answered: the gateway is shutting down");
                let mut answer = local(StatusCode::SERVICE_UNAVAILABLE, Some("shutting-down"), "the gateway is restarting; try again shortly", record, "shutting-down");
                answer.headers_mut().insert(hyper::header::RETRY_AFTER, hyper::header::HeaderValue::from_static("5"));
                answer.headers_mut().insert(hyper::header::CONNECTION, hyper::header::HeaderValue::from_static("close"));
                return answer;
            }
            outcome = tokio::time::timeout(wait, Self::exchange(&backend, upstream)) => outcome,
        };
        let (conn, response) = match outcome {
            Err(_) => {
                tracing::warn!(after = ?wait, "back end sent no response headers in time: 504");
                return local(
                    StatusCode::GATEWAY_TIMEOUT,
                    None,
                    "the mail server did not answer in time",
                    record,
                    "backend-timeout",
                );
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "back end unreachable: 502");
                return local(
                    StatusCode::BAD_GATEWAY,
                    None,
                    "the mail server cannot be reached",
                    record,
                    "backend-down",
                );
            }
            Ok(Ok(answer)) => answer,
        };
        let (mut parts, inner) = response.into_parts();
        forward_headers::strip_hop_by_hop(&mut parts.headers);
        let relayed = Relayed { inner, conn: Some(conn), backend, cut, registration };
        let body = ProxyBody::relayed(relayed, record, parts.status.as_u16());
        Response::from_parts(parts, body)
    }

    /// Sends the request on a pooled connection, or on a new one when the pooled one
    /// closed before the request left.
    async fn exchange(
        backend: &Backend,
        request: Request<UpBody>,
    ) -> Result<(Connection, Response<Incoming>), BackendError> {
        let mut request = request;
        for _ in 0..2 {
            // Boxed, as is a new connection's set-up below: transient states that a held
            // request's future would otherwise keep room for while it waits.
            let mut conn = Box::pin(backend.connection()).await?;
            match conn.sender.try_send_request(request).await {
                Ok(response) => return Ok((conn, response)),
                Err(mut failed) => match failed.take_message() {
                    Some(unsent) => request = unsent,
                    None => return Err(BackendError::Http(failed.into_error())),
                },
            }
        }
        let mut conn = Box::pin(backend.connect_new()).await?;
        Ok(conn.sender.send_request(request).await.map(|response| (conn, response))?)
    }
}

fn log_decision(eas: &EasRequest, command: &str, decision: &str, reason: &str) {
    tracing::info!(
        target: "postern::decision",
        device = %eas.eas_device_id,
        user = eas.user.as_ref().map_or("-", |u| u.as_str()),
        command,
        decision,
        reason,
        "ActiveSync request decided"
    );
}
