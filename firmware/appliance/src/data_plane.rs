//! The data plane: the ActiveSync proxy and AppTunnel behind their TLS listeners, and the metrics listener
//! of the management plane. The proxies serve the configured certificate, or the
//! gateway's self-made one when none is configured; they start when the back end is known.

use crate::error::DaemonError;
use crate::proxy_protocol::{ListenerBalancers, balancers};
use crate::tls::Pair;
use postern_config::{Config, TlsVersion};
use postern_gateway::Gateway;
use postern_metrics::{Health, MetricsServer, Registry, SourcePrefixes};
use postern_proxy_activesync::{ActiveSyncProxy, ClientInfo, ProxyConfig, register_request_counter};
use postern_proxy_apptunnel::{AppTunnelConfig, AppTunnelMetrics, AppTunnelProxy, PostureRequirements};
use postern_proxy_front::{
    Balancers, CertificateWatcher, ClientAuth, FrontMetrics, Listener, ListenerConfig, ListenerHandle, PeerInfo,
    TlsFloor, TlsSettings,
};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// How often the certificate files are checked for a new pair.
const CERTIFICATE_CHECK: Duration = Duration::from_secs(30);
/// How long live connections get to finish at shutdown.
const DRAIN: Duration = Duration::from_secs(10);
/// Connections the ActiveSync listener admits at once: most devices hold a Ping open all
/// the time, so a gateway for 20 000 devices needs room for that many, and some more.
const ACTIVESYNC_CONNECTIONS: usize = 25_000;

/// A running TLS listener and the task re-reading its certificate.
type Running = (ListenerHandle, JoinHandle<()>, Arc<CertificateWatcher>);

/// The running listeners.
pub(crate) struct DataPlane {
    proxy: Option<Running>,
    tunnels: Option<Running>,
    metrics: Option<Arc<Mutex<MetricsServer>>>,
    watchers: Vec<Arc<CertificateWatcher>>,
    health: Health,
    front: FrontMetrics,
    tunnel_proxy: Option<Arc<AppTunnelProxy>>,
    activesync_proxy: Option<Arc<ActiveSyncProxy>>,
    balancers: ListenerBalancers,
}

/// Where the data plane listens.
pub(crate) struct Addresses {
    /// The ActiveSync proxy.
    pub(crate) activesync: Option<SocketAddr>,
    /// AppTunnel (mutual TLS).
    pub(crate) apptunnel: Option<SocketAddr>,
    /// Prometheus metrics (management plane).
    pub(crate) metrics: Option<SocketAddr>,
    /// Whether failing to bind `metrics` stops the daemon (an address given by flag) or
    /// only leaves metrics off (an address from the configuration).
    pub(crate) metrics_required: bool,
}

/// The data plane's sockets, bound (as root, for privileged ports) but not yet accepting:
/// clients wait in the backlog until [`DataPlane::start`] serves them.
pub(crate) struct BoundSockets {
    activesync: Option<TcpListener>,
    apptunnel: Option<TcpListener>,
    metrics: Option<TcpListener>,
}

async fn bind(addr: Option<SocketAddr>, flag: &'static str) -> Result<Option<TcpListener>, DaemonError> {
    match addr {
        Some(addr) => {
            TcpListener::bind(addr).await.map(Some).map_err(|e| setting(flag, format!("cannot bind {addr}: {e}")))
        }
        None => Ok(None),
    }
}

impl BoundSockets {
    /// Binds every address given; nothing is accepted yet.
    pub(crate) async fn bind(at: Addresses) -> Result<Self, DaemonError> {
        Ok(Self {
            activesync: bind(at.activesync, "--listen").await?,
            apptunnel: bind(at.apptunnel, "--apptunnel-listen").await?,
            metrics: match bind(at.metrics, "--metrics-listen").await {
                Err(error) if !at.metrics_required => {
                    tracing::error!(%error, "metrics not started: the management address cannot be bound");
                    None
                }
                other => other?,
            },
        })
    }
}

impl BoundSockets {
    /// The metrics listener's bound address, if it is bound.
    pub(crate) fn metrics_addr(&self) -> Option<SocketAddr> {
        self.metrics.as_ref().and_then(|tcp| tcp.local_addr().ok())
    }
}

/// `tls.min_version`: the oldest TLS version towards clients and the ActiveSync back end.
pub(crate) fn tls_floor(config: &Config) -> TlsFloor {
    match config.tls.min_version {
        TlsVersion::Tls12 => TlsFloor::Tls12,
        TlsVersion::Tls13 => TlsFloor::Tls13,
    }
}

fn setting(setting: &'static str, reason: impl ToString) -> DaemonError {
    DaemonError::Setting { setting, reason: reason.to_string() }
}

/// The Host Checker requirements of the proxies (H4).
pub(crate) struct PostureGates {
    /// AppTunnel services' policies.
    pub(crate) apptunnel: Option<PostureRequirements>,
    /// The ActiveSync back end's policies.
    pub(crate) activesync: Option<postern_proxy_activesync::ActiveSyncPosture>,
}

impl DataPlane {
    /// Serves the proxies on their bound sockets (when configured) and the metrics
    /// listener; reads the certificates now.
    pub(crate) fn start(
        config: &Config,
        pair: &Pair,
        gateway: Arc<Gateway>,
        registry: Registry,
        at: BoundSockets,
        metrics_allowed: SourcePrefixes,
        posture: PostureGates,
    ) -> Result<Self, DaemonError> {
        let health = Health::serving();
        let front = FrontMetrics::register(&registry).map_err(|e| setting("metrics", e))?;
        let requests = register_request_counter(&registry).map_err(|e| setting("metrics", e))?;
        let tunnel_metrics = AppTunnelMetrics::register(&registry).map_err(|e| setting("metrics", e))?;
        let mut balancers = ListenerBalancers::default();
        let (proxy, activesync_proxy) = match at.activesync {
            Some(tcp) => {
                let extras = |proxy: &mut ProxyConfig| {
                    proxy.requests = Some(requests);
                    proxy.health = Some(health.clone());
                    proxy.posture = posture.activesync;
                };
                match Self::start_proxy(config, pair, gateway.clone(), tcp, front.clone(), extras) {
                    Ok((running, proxy, following)) => {
                        balancers.activesync = Some(following);
                        (Some(running), Some(proxy))
                    }
                    Err(error) => {
                        tracing::error!(%error, "ActiveSync proxy not started");
                        (None, None)
                    }
                }
            }
            None => (None, None),
        };
        let (tunnels, tunnel_proxy) = match at.apptunnel {
            Some(tcp) => {
                match Self::start_tunnels(config, pair, gateway, tcp, front.clone(), tunnel_metrics, posture.apptunnel)
                {
                    Ok((running, proxy, following)) => {
                        balancers.apptunnel = Some(following);
                        (Some(running), Some(proxy))
                    }
                    Err(error) => {
                        tracing::error!(%error, "AppTunnel not started");
                        (None, None)
                    }
                }
            }
            None => (None, None),
        };
        let metrics = match at.metrics {
            Some(tcp) => {
                let server = MetricsServer::serve_with_health(tcp, registry, metrics_allowed, health.clone())
                    .map_err(|e| setting("--metrics-listen", e))?;
                tracing::info!(addr = %server.local_addr(), "metrics listening");
                Some(Arc::new(Mutex::new(server)))
            }
            None => None,
        };
        let watchers = [&proxy, &tunnels].into_iter().flatten().map(|(_, _, watcher)| watcher.clone()).collect();
        Ok(Self { proxy, tunnels, metrics, watchers, health, front, tunnel_proxy, activesync_proxy, balancers })
    }

    /// The running AppTunnel proxy, for settings that apply at commit.
    pub(crate) fn tunnel_proxy(&self) -> Option<Arc<AppTunnelProxy>> {
        self.tunnel_proxy.clone()
    }

    /// The running ActiveSync proxy, for settings that apply at commit.
    pub(crate) fn activesync_proxy(&self) -> Option<Arc<ActiveSyncProxy>> {
        self.activesync_proxy.clone()
    }

    /// The running metrics listener, for a commit that moves it.
    pub(crate) fn metrics_server(&self) -> Option<Arc<Mutex<MetricsServer>>> {
        self.metrics.clone()
    }

    /// The balancer lists the proxy listeners follow, for `proxy-protocol-from` at commit.
    pub(crate) fn balancers(&self) -> ListenerBalancers {
        self.balancers.clone()
    }

    /// The TLS front's metrics, for other TLS listeners of the data plane.
    pub(crate) fn front_metrics(&self) -> FrontMetrics {
        self.front.clone()
    }

    /// The certificate watchers of the running TLS listeners.
    pub(crate) fn watchers(&self) -> Vec<Arc<CertificateWatcher>> {
        self.watchers.clone()
    }

    /// The server certificate and key to serve.
    fn tls(config: &Config, pair: &Pair, client_auth: ClientAuth) -> Result<TlsSettings, DaemonError> {
        let mut settings = TlsSettings::new(&pair.certificate, &pair.key);
        settings.client_auth = client_auth;
        settings.floor = tls_floor(config);
        Ok(settings)
    }

    fn start_tunnels(
        config: &Config,
        pair: &Pair,
        gateway: Arc<Gateway>,
        tcp: TcpListener,
        metrics: FrontMetrics,
        tunnel_metrics: AppTunnelMetrics,
        posture: Option<PostureRequirements>,
    ) -> Result<(Running, Arc<AppTunnelProxy>, Balancers), DaemonError> {
        let ca = config
            .apptunnel
            .client_ca_file
            .clone()
            .ok_or_else(|| setting("apptunnel.client_ca_file", "is needed to identify devices"))?;
        let mut tunnel_config = AppTunnelConfig::from_settings(&config.apptunnel);
        tunnel_config.metrics = Some(tunnel_metrics);
        tunnel_config.posture = posture;
        let proxy = AppTunnelProxy::new(gateway, tunnel_config).map_err(|e| setting("apptunnel.services", e))?;
        let watcher = CertificateWatcher::new(Self::tls(config, pair, ClientAuth::Required(ca))?, metrics.clone())
            .map_err(|e| setting("tls", e))?;
        let reload = watcher.spawn_periodic(CERTIFICATE_CHECK);
        let listener = Listener::on(tcp, ListenerConfig::default(), watcher.clone(), metrics)
            .map_err(|e| setting("--apptunnel-listen", e))?;
        let following = balancers(&config.apptunnel.proxy_protocol_from, "apptunnel.proxy_protocol_from")?;
        let listener = listener.with_balancers(following.clone());
        tracing::info!(addr = %listener.local_addr(), proxy_protocol = !config.apptunnel.proxy_protocol_from.is_empty(), "AppTunnel listening");
        let serving = proxy.clone();
        let handle = listener.serve(move |tls, peer: PeerInfo| serving.clone().serve(tls, peer));
        Ok(((handle, reload, watcher), proxy, following))
    }

    fn start_proxy(
        config: &Config,
        pair: &Pair,
        gateway: Arc<Gateway>,
        tcp: TcpListener,
        metrics: FrontMetrics,
        extras: impl FnOnce(&mut ProxyConfig),
    ) -> Result<(Running, Arc<ActiveSyncProxy>, Balancers), DaemonError> {
        let backend = config
            .activesync
            .backend_url
            .as_deref()
            .ok_or_else(|| setting("activesync.backend_url", "is needed to serve ActiveSync"))?;
        let mut proxy_config = ProxyConfig::new(backend).map_err(|e| setting("activesync.backend_url", e))?;
        proxy_config.backend_ca_file = config.activesync.backend_ca_file.clone();
        proxy_config.backend_tls_floor = tls_floor(config);
        extras(&mut proxy_config);
        let proxy = ActiveSyncProxy::new(gateway, proxy_config).map_err(|e| setting("activesync", e))?;
        let watcher = CertificateWatcher::new(Self::tls(config, pair, ClientAuth::None)?, metrics.clone())
            .map_err(|e| setting("tls", e))?;
        let reload = watcher.spawn_periodic(CERTIFICATE_CHECK);
        let mut front = ListenerConfig::default();
        front.limits.max_total = ACTIVESYNC_CONNECTIONS;
        let listener = Listener::on(tcp, front, watcher.clone(), metrics).map_err(|e| setting("--listen", e))?;
        let following = balancers(&config.activesync.proxy_protocol_from, "activesync.proxy_protocol_from")?;
        let listener = listener.with_balancers(following.clone());
        tracing::info!(addr = %listener.local_addr(), proxy_protocol = !config.activesync.proxy_protocol_from.is_empty(), "ActiveSync proxy listening");
        let serving = proxy.clone();
        let handle = listener.serve(move |tls, peer: PeerInfo| serving.clone().serve(tls, ClientInfo::https(&peer)));
        Ok(((handle, reload, watcher), proxy, following))
    }

    /// Turns the health answers (`/health` on the metrics and ActiveSync listeners) to 503;
    /// the listeners keep serving until [`DataPlane::shutdown`].
    pub(crate) fn withdraw(&self) {
        self.health.withdraw();
    }

    /// Stops accepting, lets live connections finish for a while, then stops.
    pub(crate) async fn shutdown(self) {
        for (handle, reload, _) in [self.proxy, self.tunnels].into_iter().flatten() {
            let report = handle.shutdown(DRAIN).await;
            reload.abort();
            tracing::info!(?report, "listener drained");
        }
        if let Some(metrics) = self.metrics {
            metrics.lock().unwrap_or_else(PoisonError::into_inner).stop();
        }
    }
}
