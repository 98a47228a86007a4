//! The AppTunnel proxy: one HTTP/1 connection per mutual-TLS stream, CONNECT requests
//! decided per device, app and service, allowed ones spliced to the back end.

use crate::error::AppTunnelError;
use crate::identity::{IdentityError, device_identity};
use crate::live_tunnels::{LiveTunnels, TunnelGuard, follow_cuts};
use crate::pool::{self, ServerHealth};
use crate::refusal::{Body, established, refuse};
use crate::services::{ServiceTable, Target};
use crate::splice::{End, splice};
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use postern_config::{AppTunnelService, AppTunnelSettings};
use postern_decision::{UemDeviceId, Verdict};
use postern_device_cache::{AppId, AppTunnelKey, ServiceName};
use postern_gateway::Gateway;
use postern_proxy_front::{HttpLimits, PeerInfo, hardened_http1_builder};
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

/// The request header in which the app names itself (its app id).
pub const APP_HEADER: &str = "x-postern-app";
/// The response header that says why a tunnel was refused.
pub const REASON_HEADER: &str = "x-postern-reason";

/// How the proxy serves tunnels.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AppTunnelConfig {
    /// The services apps may reach.
    pub services: Vec<AppTunnelService>,
    /// A tunnel with no byte in either direction for this long is closed (Z2).
    pub idle_timeout: Duration,
    /// How long a connect to a back end may take before the server counts as failing.
    pub connect_timeout: Duration,
    /// How long a server whose connect failed is skipped.
    pub down_for: Duration,
    /// Addresses for host names, consulted before the system resolver.
    pub hosts: HashMap<String, IpAddr>,
    /// Limits on request heads.
    pub http: HttpLimits,
}

impl AppTunnelConfig {
    /// `services` with the defaults: 300 s idle timeout, 5 s connect timeout, 30 s down.
    pub fn new(services: Vec<AppTunnelService>) -> Self {
        Self {
            services,
            idle_timeout: Duration::from_secs(300),
            connect_timeout: Duration::from_secs(5),
            down_for: Duration::from_secs(30),
            hosts: HashMap::new(),
            http: HttpLimits::default(),
        }
    }

    /// The services and idle timeout of an `[apptunnel]` section, other values default.
    pub fn from_settings(settings: &AppTunnelSettings) -> Self {
        let mut config = Self::new(settings.services.clone());
        config.idle_timeout = Duration::from_secs(u64::from(settings.idle_timeout_secs));
        config
    }
}

/// The AppTunnel proxy, shared by every connection.
pub struct AppTunnelProxy {
    gateway: Arc<Gateway>,
    table: ServiceTable,
    config: AppTunnelConfig,
    live: Arc<LiveTunnels>,
}

impl std::fmt::Debug for AppTunnelProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppTunnelProxy").field("table", &self.table).field("config", &self.config).field("live", &self.live).finish_non_exhaustive()
    }
}

/// An allowed CONNECT waiting for hyper to hand over the connection.
struct Pending {
    upgrade: hyper::upgrade::OnUpgrade,
    backend: TcpStream,
    guard: TunnelGuard,
    label: String,
}

type Slot = Arc<Mutex<Option<Pending>>>;

impl AppTunnelProxy {
    /// A proxy deciding through `gateway`. Starts following the gateway's cuts, so it
    /// must be called inside a Tokio runtime.
    pub fn new(gateway: Arc<Gateway>, config: AppTunnelConfig) -> Result<Arc<Self>, AppTunnelError> {
        let table = ServiceTable::new(&config.services, config.down_for)?;
        let live = Arc::new(LiveTunnels::default());
        follow_cuts(&gateway, Arc::downgrade(&live));
        Ok(Arc::new(Self { gateway, table, config, live }))
    }

    /// How many tunnels are open now.
    pub fn live_tunnels(&self) -> usize {
        self.live.count()
    }

    /// Every server of every non-wildcard service and whether it is up.
    pub fn health(&self) -> Vec<ServerHealth> {
        self.table
            .pools()
            .flat_map(|(service, pool)| pool.health().map(|(server, up)| ServerHealth { service: service.to_string(), server, up }))
            .collect()
    }

    /// Serves one decrypted connection: its requests until it closes, and then the
    /// tunnel a CONNECT opened, if any. The device is the one `peer`'s certificate names.
    pub async fn serve<S>(self: Arc<Self>, stream: S, peer: PeerInfo)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let identity = device_identity(peer.client_cert.as_ref());
        if let Err(error) = &identity {
            tracing::warn!(client = %peer.addr, reason = error.code(), %error, "AppTunnel client has no device identity: refused");
        }
        let slot: Slot = Arc::new(Mutex::new(None));
        let service = {
            let (this, slot, addr) = (self.clone(), slot.clone(), peer.addr);
            hyper::service::service_fn(move |request| {
                let (this, slot, identity) = (this.clone(), slot.clone(), identity.clone());
                async move { Ok::<_, Infallible>(this.handle(request, identity, &slot, addr).await) }
            })
        };
        let connection = hardened_http1_builder(&self.config.http)
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        tokio::pin!(connection);
        let served = tokio::select! {
            served = connection.as_mut() => served,
            () = peer.shutdown_requested() => {
                connection.as_mut().graceful_shutdown();
                connection.as_mut().await
            }
        };
        if let Err(error) = served {
            tracing::debug!(client = %peer.addr, %error, "AppTunnel connection ended with an error");
        }
        let pending = slot.lock().unwrap_or_else(PoisonError::into_inner).take();
        if let Some(pending) = pending {
            self.run(pending).await;
        }
    }

    async fn run(&self, pending: Pending) {
        let Pending { upgrade, backend, guard, label } = pending;
        let client = match upgrade.await {
            Ok(upgraded) => TokioIo::new(upgraded),
            Err(error) => {
                tracing::debug!(tunnel = %label, %error, "CONNECT not upgraded");
                return;
            }
        };
        let end = splice(client, backend, self.config.idle_timeout, guard.cut.clone()).await;
        match &end {
            End::Closed { up, down } => tracing::info!(tunnel = %label, end = end.code(), up, down, "AppTunnel closed"),
            End::Failed(error) => tracing::info!(tunnel = %label, end = end.code(), %error, "AppTunnel closed"),
            End::Idle | End::Cut => tracing::info!(tunnel = %label, end = end.code(), "AppTunnel closed"),
        }
        drop(guard);
    }

    async fn handle(&self, mut request: Request<Incoming>, identity: Result<UemDeviceId, IdentityError>, slot: &Slot, client: SocketAddr) -> Response<Body> {
        let device = match identity {
            Ok(device) => device,
            Err(error) => return refuse(StatusCode::FORBIDDEN, error.code()),
        };
        if request.method() != Method::CONNECT {
            let mut answer = refuse(StatusCode::METHOD_NOT_ALLOWED, "connect-only");
            answer.headers_mut().insert(hyper::header::ALLOW, hyper::header::HeaderValue::from_static("CONNECT"));
            return answer;
        }
        let Some(app_header) = request.headers().get(APP_HEADER) else {
            return refuse(StatusCode::BAD_REQUEST, "app-missing");
        };
        let Some(app) = app_header.to_str().ok().and_then(|app| AppId::new(app.trim()).ok()) else {
            return refuse(StatusCode::BAD_REQUEST, "app-invalid");
        };
        let Some((host, port)) = request.uri().authority().and_then(|a| a.port_u16().map(|port| (a.host().to_owned(), port))) else {
            return refuse(StatusCode::BAD_REQUEST, "bad-target");
        };
        let Some(route) = self.table.resolve(&host, port) else {
            tracing::info!(%client, device = %device, app = app.as_str(), target = %format_args!("{host}:{port}"), "AppTunnel refused: no service for the target");
            return refuse(StatusCode::NOT_FOUND, "unknown-service");
        };
        let Ok(service) = ServiceName::new(route.service()) else {
            return refuse(StatusCode::NOT_FOUND, "unknown-service");
        };
        let label = format!("{device}/{}/{}->{host}:{port}", app.as_str(), service.as_str());
        let guard = self.live.register(AppTunnelKey { uem_device_id: device.clone(), app_id: app.clone(), service });
        let decision = match self.gateway.apptunnel_access(&device, app.as_str(), route.service()).await {
            Ok(decision) => decision,
            Err(error) => {
                tracing::error!(tunnel = %label, %error, "AppTunnel decision failed: refused");
                return refuse(StatusCode::SERVICE_UNAVAILABLE, "decision-unavailable");
            }
        };
        tracing::info!(tunnel = %label, decision = decision.verdict.code(), reason = decision.reason.code(), "AppTunnel decided");
        if decision.verdict == Verdict::Block {
            return refuse(StatusCode::FORBIDDEN, decision.reason.code());
        }
        let hosts = &self.config.hosts;
        let timeout = self.config.connect_timeout;
        let connected = match &route.target {
            Target::Pool(pool) => pool.connect(hosts, timeout).await,
            Target::Direct { host, port } => pool::connect(host, *port, hosts, timeout).await,
        };
        let backend = match connected {
            Ok(backend) => backend,
            Err(error) => {
                tracing::warn!(tunnel = %label, %error, "AppTunnel back end unreachable");
                return refuse(StatusCode::BAD_GATEWAY, "backend-unreachable");
            }
        };
        if *guard.cut.borrow() {
            return refuse(StatusCode::FORBIDDEN, "tunnel-cut");
        }
        let upgrade = hyper::upgrade::on(&mut request);
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Pending { upgrade, backend, guard, label });
        established()
    }
}
