//! One request of an AppTunnel connection: who asks (device and app), for what (a
//! service), the decision, and then a CONNECT tunnel or a forwarded HTTP request.

use crate::http_forward::{ForwardFailure, Upstream, absolute_target, origin_request, relay_response};
use crate::identity::IdentityError;
use crate::live_tunnels::TunnelGuard;
use crate::proxy::{APP_HEADER, AppTunnelProxy};
use crate::refusal::{Body, established, refuse};
use crate::services::{Route, Target};
use crate::wildcard::{self, WildcardError};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use postern_decision::{TunnelKey, UemDeviceId, Verdict};
use postern_device_cache::{AppId, ServiceName};
use std::borrow::Cow;
use std::net::SocketAddr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;
use tokio::net::TcpStream;

/// An allowed CONNECT waiting for hyper to hand over the connection.
pub(crate) struct Pending {
    pub(crate) upgrade: hyper::upgrade::OnUpgrade,
    pub(crate) backend: TcpStream,
    pub(crate) guard: TunnelGuard,
    pub(crate) label: String,
}

/// What one client connection's requests share.
pub(crate) struct Connection {
    identity: Result<UemDeviceId, IdentityError>,
    client: SocketAddr,
    over_limit: bool,
    pending: Mutex<Option<Pending>>,
    upstream: Mutex<Option<Upstream>>,
}

impl Connection {
    pub(crate) fn new(identity: Result<UemDeviceId, IdentityError>, client: SocketAddr, over_limit: bool) -> Self {
        Self { identity, client, over_limit, pending: Mutex::new(None), upstream: Mutex::new(None) }
    }

    fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
        mutex.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The tunnel an allowed CONNECT opened, once the HTTP phase is over.
    pub(crate) fn take_pending(&self) -> Option<Pending> {
        Self::lock(&self.pending).take()
    }

    /// Closes the back-end connection kept for plain HTTP requests.
    pub(crate) fn close_upstream(&self) {
        drop(Self::lock(&self.upstream).take());
    }
}

/// A request answered by the proxy itself.
struct Refusal {
    status: StatusCode,
    reason: Cow<'static, str>,
    outcome: &'static str,
}

const fn refusal(status: StatusCode, reason: &'static str, outcome: &'static str) -> Refusal {
    Refusal { status, reason: Cow::Borrowed(reason), outcome }
}

/// A posture refusal (realm or role, H4): `403` with its reason.
fn posture_refusal(reason: String) -> Refusal {
    let outcome = crate::posture::outcome(&reason);
    Refusal { status: StatusCode::FORBIDDEN, reason: Cow::Owned(reason), outcome }
}

/// The answer and the outcome it is counted and logged under.
type Answer = (Response<Body>, &'static str);

impl AppTunnelProxy {
    /// Answers one request, counts it by outcome and writes its access-log event.
    pub(crate) async fn handle(&self, request: Request<Incoming>, connection: &Connection) -> Response<Body> {
        let started = Instant::now();
        let (method, target) = (request.method().clone(), request.uri().to_string());
        let (mut response, outcome) = match self.answer(request, connection).await {
            Ok(answer) => answer,
            Err(refused) => (refuse(refused.status, &refused.reason), refused.outcome),
        };
        if connection.over_limit {
            response.headers_mut().insert(hyper::header::CONNECTION, hyper::header::HeaderValue::from_static("close"));
        }
        if let Some(metrics) = &self.config.metrics {
            metrics.requests.inc(outcome);
        }
        tracing::info!(
            target: "postern::access",
            peer = %connection.client.ip(),
            device = connection.identity.as_ref().map_or("-", UemDeviceId::as_str),
            method = %method,
            target = %target,
            status = response.status().as_u16(),
            outcome,
            duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "AppTunnel request"
        );
        response
    }

    async fn answer(&self, mut request: Request<Incoming>, connection: &Connection) -> Result<Answer, Refusal> {
        if connection.over_limit {
            return Err(refusal(StatusCode::TOO_MANY_REQUESTS, "device-connection-limit", "device-limit"));
        }
        let device = connection.identity.clone().map_err(|error| Refusal {
            reason: Cow::Borrowed(error.code()),
            ..refusal(StatusCode::FORBIDDEN, "", "no-identity")
        })?;
        let connect = request.method() == Method::CONNECT;
        let target = if connect {
            request.uri().authority().and_then(|a| a.port_u16().map(|port| (a.host().to_owned(), port)))
        } else {
            absolute_target(request.uri())
        };
        if !connect && request.uri().authority().is_none() {
            return Err(refusal(StatusCode::BAD_REQUEST, "proxy-request-required", "bad-request"));
        }
        let app_header =
            request.headers().get(APP_HEADER).ok_or(refusal(StatusCode::BAD_REQUEST, "app-missing", "bad-request"))?;
        let app = app_header.to_str().ok().and_then(|app| AppId::new(app.trim()).ok()).ok_or(refusal(
            StatusCode::BAD_REQUEST,
            "app-invalid",
            "bad-request",
        ))?;
        let (host, port) = target.ok_or(refusal(StatusCode::BAD_REQUEST, "bad-target", "bad-request"))?;
        let unknown = refusal(StatusCode::NOT_FOUND, "unknown-service", "unknown-service");
        let Some(route) = self.table().resolve(&host, port) else {
            tracing::info!(client = %connection.client, device = %device, app = app.as_str(), target = %format_args!("{host}:{port}"), "AppTunnel refused: no service for the target");
            return Err(unknown);
        };
        let service = ServiceName::new(route.service()).map_err(|_| unknown)?;
        if let Some(reason) = self.config.posture.as_ref().and_then(|p| p.gate.realm(device.as_str())) {
            tracing::info!(client = %connection.client, device = %device, service = service.as_str(), %reason, "AppTunnel refused: the device has not passed a realm policy");
            return Err(posture_refusal(reason));
        }
        let key = TunnelKey { uem_device_id: device, app_id: app, service };
        let label = format!("{}/{}/{}->{host}:{port}", key.uem_device_id, key.app_id.as_str(), key.service.as_str());
        if connect {
            let mut guard = self.live.register(key.clone());
            self.decide(&key, &label).await?;
            self.role_check(&key, &label)?;
            let backend = self.connect_backend(&route, &label).await?;
            guard.origin = self.origins.register(&backend, &key, connection.client);
            if *guard.cut.borrow() {
                return Err(refusal(StatusCode::FORBIDDEN, "tunnel-cut", "cut"));
            }
            let upgrade = hyper::upgrade::on(&mut request);
            *Connection::lock(&connection.pending) = Some(Pending { upgrade, backend, guard, label });
            return Ok((established(), "tunnel"));
        }
        self.forward(request, connection, key, (host, port), &route, &label).await
    }

    /// Role level (H4), once the gateway allowed the tunnel: `Ok` when a role of the
    /// device's user opens the service with its policies passed, or no role guards it.
    fn role_check(&self, key: &TunnelKey, label: &str) -> Result<(), Refusal> {
        let Some(reason) =
            self.config.posture.as_ref().and_then(|p| p.gate.role(key.uem_device_id.as_str(), key.service.as_str()))
        else {
            return Ok(());
        };
        tracing::info!(tunnel = %label, %reason, "AppTunnel refused: no role of the device's user opens the service with its policies passed");
        Err(posture_refusal(reason))
    }

    /// The gateway's decision for `key` (S4, S5): `Ok` when allowed.
    async fn decide(&self, key: &TunnelKey, label: &str) -> Result<(), Refusal> {
        let decision = match self
            .gateway
            .apptunnel_access(&key.uem_device_id, key.app_id.as_str(), key.service.as_str())
            .await
        {
            Ok(decision) => decision,
            Err(error) => {
                tracing::error!(tunnel = %label, %error, "AppTunnel decision failed: refused");
                return Err(refusal(StatusCode::SERVICE_UNAVAILABLE, "decision-unavailable", "decision-unavailable"));
            }
        };
        tracing::info!(tunnel = %label, decision = decision.verdict.code(), reason = decision.reason.code(), "AppTunnel decided");
        if decision.verdict == Verdict::Block {
            return Err(refusal(StatusCode::FORBIDDEN, decision.reason.code(), "blocked"));
        }
        Ok(())
    }

    async fn connect_backend(&self, route: &Route, label: &str) -> Result<TcpStream, Refusal> {
        let (hosts, timeout) = (&self.config.hosts, self.config.connect_timeout);
        let unreachable = |error: &dyn std::fmt::Display| {
            tracing::warn!(tunnel = %label, %error, "AppTunnel back end unreachable");
            refusal(StatusCode::BAD_GATEWAY, "backend-unreachable", "backend-unreachable")
        };
        match &route.target {
            Target::Pool(pool) => pool.connect(hosts, timeout).await.map_err(|error| unreachable(&error)),
            Target::Direct { host, port, explicit } => {
                match wildcard::connect(host, *port, explicit, hosts, timeout).await {
                    Ok(stream) => Ok(stream),
                    Err(error @ WildcardError::Forbidden { .. }) => {
                        tracing::warn!(tunnel = %label, %error, "AppTunnel wildcard destination refused");
                        Err(refusal(StatusCode::FORBIDDEN, "destination-forbidden", "destination-forbidden"))
                    }
                    Err(error) => Err(unreachable(&error)),
                }
            }
        }
    }

    /// Forwards an absolute-form request, reusing the connection's back-end connection
    /// when the previous request went to the same target for the same app.
    async fn forward(
        &self,
        request: Request<Incoming>,
        connection: &Connection,
        key: TunnelKey,
        target: (String, u16),
        route: &Route,
        label: &str,
    ) -> Result<Answer, Refusal> {
        let kept = Connection::lock(&connection.upstream).take().filter(|upstream| upstream.usable_for(&key, &target));
        // A new tunnel is registered before its decision, so a cut cannot fall between.
        let (mut upstream, guard) = match kept {
            Some(upstream) => (Some(upstream), None),
            None => (None, Some(self.live.register(key.clone()))),
        };
        self.decide(&key, label).await?;
        self.role_check(&key, label)?;
        let mut upstream = match (upstream.take(), guard) {
            (Some(upstream), _) => upstream,
            (None, Some(mut guard)) => {
                let stream = self.connect_backend(route, label).await?;
                guard.origin = self.origins.register(&stream, &key, connection.client);
                Upstream::open(stream, guard, key, target).await.map_err(|error| {
                    tracing::warn!(tunnel = %label, %error, "AppTunnel back end failed the HTTP handshake");
                    refusal(StatusCode::BAD_GATEWAY, "backend-unreachable", "backend-unreachable")
                })?
            }
            (None, None) => {
                return Err(refusal(StatusCode::SERVICE_UNAVAILABLE, "decision-unavailable", "decision-unavailable"));
            }
        };
        let cut = refusal(StatusCode::FORBIDDEN, "tunnel-cut", "cut");
        if *upstream.guard.cut.borrow() {
            return Err(cut);
        }
        match upstream.exchange(origin_request(request), self.idle_timeout()).await {
            Ok(response) => {
                *Connection::lock(&connection.upstream) = Some(upstream);
                Ok((relay_response(response), "forwarded"))
            }
            Err(_) if *upstream.guard.cut.borrow() => Err(cut),
            Err(ForwardFailure::Timeout) => {
                tracing::warn!(tunnel = %label, after = ?self.idle_timeout(), "AppTunnel back end sent no response head in time");
                Err(refusal(StatusCode::GATEWAY_TIMEOUT, "backend-timeout", "backend-timeout"))
            }
            Err(ForwardFailure::Failed(error)) => {
                tracing::warn!(tunnel = %label, %error, "AppTunnel back end failed the request");
                Err(refusal(StatusCode::BAD_GATEWAY, "backend-unreachable", "backend-unreachable"))
            }
        }
    }
}
