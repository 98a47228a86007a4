//! The AppTunnel proxy: one HTTP/1 connection per mutual-TLS stream; CONNECT requests
//! and absolute-form HTTP requests decided per device, app and service.

use crate::config::AppTunnelConfig;
use crate::device_limits::DeviceLimits;
use crate::error::AppTunnelError;
use crate::identity::device_identity;
use crate::live_tunnels::{LiveTunnels, follow_cuts};
use crate::origins::TunnelOrigins;
use crate::pool::ServerHealth;
use crate::requests::{Connection, Pending};
use crate::services::ServiceTable;
use crate::splice::{End, splice};
use hyper_util::rt::TokioIo;
use postern_config::AppTunnelService;
use postern_gateway::Gateway;
use postern_proxy_front::{PeerInfo, hardened_http1_builder};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};

/// The request header in which the app names itself (its app id).
pub const APP_HEADER: &str = "x-postern-app";
/// The response header that says why a request was refused.
pub const REASON_HEADER: &str = "x-postern-reason";

/// The AppTunnel proxy, shared by every connection.
pub struct AppTunnelProxy {
    pub(crate) gateway: Arc<Gateway>,
    /// The services in force and their routing table: the configuration's, until a commit
    /// changes them.
    services: RwLock<(Vec<AppTunnelService>, Arc<ServiceTable>)>,
    pub(crate) config: AppTunnelConfig,
    pub(crate) live: Arc<LiveTunnels>,
    /// The back-end connections of open tunnels, for listeners of this gateway.
    pub(crate) origins: TunnelOrigins,
    pub(crate) devices: Arc<DeviceLimits>,
    /// The idle timeout in milliseconds: the configuration's, until a commit changes it.
    pub(crate) idle_timeout_ms: AtomicU64,
    /// Whether a certificate without the device URI is named by its subject common name:
    /// the configuration's, until a commit changes it.
    common_name_fallback: AtomicBool,
}

impl std::fmt::Debug for AppTunnelProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppTunnelProxy")
            .field("services", &self.services)
            .field("config", &self.config)
            .field("live", &self.live)
            .finish_non_exhaustive()
    }
}

impl AppTunnelProxy {
    /// A proxy deciding through `gateway`. Starts following the gateway's cuts, so it
    /// must be called inside a Tokio runtime.
    pub fn new(gateway: Arc<Gateway>, config: AppTunnelConfig) -> Result<Arc<Self>, AppTunnelError> {
        let table = Arc::new(ServiceTable::new(&config.services, config.down_for)?);
        let services = RwLock::new((config.services.clone(), table));
        let live = Arc::new(LiveTunnels::new(config.metrics.as_ref().map(|m| m.tunnels_open.clone())));
        follow_cuts(&gateway, Arc::downgrade(&live));
        let devices = DeviceLimits::new(config.max_connections_per_device);
        let idle_timeout_ms = AtomicU64::new(u64::try_from(config.idle_timeout.as_millis()).unwrap_or(u64::MAX));
        let origins = TunnelOrigins::default();
        let common_name_fallback = AtomicBool::new(config.identity_from_common_name);
        Ok(Arc::new(Self { gateway, services, config, live, origins, devices, idle_timeout_ms, common_name_fallback }))
    }

    /// Turns the common-name fallback of device identities on or off
    /// (`apptunnel identity-from-common-name` at commit): connections accepted from now on
    /// follow it; open ones keep the device they were identified as.
    pub fn set_identity_from_common_name(&self, on: bool) {
        self.common_name_fallback.store(on, Ordering::Relaxed);
        tracing::info!(identity_from_common_name = on, "AppTunnel device identity fallback changed");
    }

    /// A new idle timeout (`apptunnel idle-timeout` at commit): tunnels and back-end
    /// exchanges that start from now on use it; open ones keep the one they began with.
    pub fn set_idle_timeout(&self, timeout: Duration) {
        let ms = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.idle_timeout_ms.store(ms, Ordering::Relaxed);
        tracing::info!(idle_timeout_ms = ms, "AppTunnel idle timeout changed");
    }

    /// New services (`apptunnel service …` at commit): requests and tunnels from now on are
    /// routed by them. Live tunnels of a service that was removed or whose servers changed
    /// are cut (they may reach a destination the operator took away); the others go on.
    /// Returns how many were cut. On an error nothing changes.
    pub fn set_services(&self, services: &[AppTunnelService]) -> Result<usize, AppTunnelError> {
        let table = Arc::new(ServiceTable::new(services, self.config.down_for)?);
        let before = std::mem::replace(
            &mut *self.services.write().unwrap_or_else(PoisonError::into_inner),
            (services.to_vec(), table),
        )
        .0;
        let kept: Vec<&str> =
            before.iter().filter(|old| services.contains(old)).map(|service| service.name.as_str()).collect();
        let cut = self.live.cut_where(|key| !kept.contains(&key.service.as_str()));
        tracing::info!(services = services.len(), tunnels_cut = cut, "AppTunnel services changed");
        Ok(cut)
    }

    /// The routing table in force.
    pub(crate) fn table(&self) -> Arc<ServiceTable> {
        Arc::clone(&self.services.read().unwrap_or_else(PoisonError::into_inner).1)
    }

    /// The idle timeout in force.
    pub(crate) fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms.load(Ordering::Relaxed))
    }

    /// Which tunnel opened a connection that reached a listener of this gateway (the
    /// federation listener, when a service leads to it).
    pub fn origins(&self) -> TunnelOrigins {
        self.origins.clone()
    }

    /// How many tunnels are open now (CONNECT tunnels and plain HTTP back-end connections).
    pub fn live_tunnels(&self) -> usize {
        self.live.count()
    }

    /// Every server of every non-wildcard service and whether it is up.
    pub fn health(&self) -> Vec<ServerHealth> {
        self.table()
            .pools()
            .flat_map(|(service, pool)| {
                pool.health().map(|(server, up)| ServerHealth { service: service.to_string(), server, up })
            })
            .collect()
    }

    /// Serves one decrypted connection: its requests until it closes, and then the
    /// tunnel a CONNECT opened, if any. The device is the one `peer`'s certificate names;
    /// a device holding its maximum of connections already gets `429` on every request.
    pub async fn serve<S>(self: Arc<Self>, stream: S, peer: PeerInfo)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let identity = device_identity(peer.client_cert.as_ref(), self.common_name_fallback.load(Ordering::Relaxed));
        if let Err(error) = &identity {
            tracing::warn!(client = %peer.addr, reason = error.code(), %error, "AppTunnel client has no device identity: refused");
        }
        let slot = identity.as_ref().ok().map(|device| (device, self.devices.try_take(device)));
        if let Some((device, None)) = &slot {
            tracing::warn!(client = %peer.addr, device = %device, limit = self.config.max_connections_per_device, "device holds its maximum of connections: refused with 429");
        }
        let over_limit = matches!(slot, Some((_, None)));
        let _slot = slot.and_then(|(_, slot)| slot);
        let connection = Arc::new(Connection::new(identity, peer.addr, over_limit));
        let service = {
            let (this, connection) = (self.clone(), connection.clone());
            hyper::service::service_fn(move |request| {
                let (this, connection) = (this.clone(), connection.clone());
                async move { Ok::<_, Infallible>(this.handle(request, &connection).await) }
            })
        };
        let served =
            hardened_http1_builder(&self.config.http).serve_connection(TokioIo::new(stream), service).with_upgrades();
        tokio::pin!(served);
        let served = tokio::select! {
            served = served.as_mut() => served,
            () = peer.shutdown_requested() => {
                served.as_mut().graceful_shutdown();
                served.as_mut().await
            }
        };
        if let Err(error) = served {
            tracing::debug!(client = %peer.addr, %error, "AppTunnel connection ended with an error");
        }
        connection.close_upstream();
        if let Some(pending) = connection.take_pending() {
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
        let end = splice(client, backend, self.idle_timeout(), guard.cut.clone()).await;
        match &end {
            End::Closed { up, down } => tracing::info!(tunnel = %label, end = end.code(), up, down, "AppTunnel closed"),
            End::Failed(error) => tracing::info!(tunnel = %label, end = end.code(), %error, "AppTunnel closed"),
            End::Idle | End::Cut => tracing::info!(tunnel = %label, end = end.code(), "AppTunnel closed"),
        }
        drop(guard);
    }
}
