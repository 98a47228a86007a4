//! The data plane: the ActiveSync proxy behind the TLS listener, and the metrics listener
//! of the management plane. Started only when the configuration says where the
//! certificate and the back end are.

use crate::error::DaemonError;
use postern_config::Config;
use postern_gateway::Gateway;
use postern_metrics::{MetricsServer, Registry};
use postern_proxy_activesync::{ActiveSyncProxy, ClientInfo, ProxyConfig};
use postern_proxy_front::{CertificateWatcher, FrontMetrics, Listener, ListenerConfig, ListenerHandle, PeerInfo, TlsSettings};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

/// How often the certificate files are checked for a new pair.
const CERTIFICATE_CHECK: Duration = Duration::from_secs(30);
/// How long live connections get to finish at shutdown.
const DRAIN: Duration = Duration::from_secs(10);

/// The running listeners.
pub(crate) struct DataPlane {
    proxy: Option<(ListenerHandle, JoinHandle<()>)>,
    metrics: Option<MetricsServer>,
}

fn setting(setting: &'static str, reason: impl ToString) -> DaemonError {
    DaemonError::Setting { setting, reason: reason.to_string() }
}

impl DataPlane {
    /// Starts the proxy on `listen` (when given and configured) and the metrics listener
    /// on `metrics_listen` (when given).
    pub(crate) async fn start(config: &Config, gateway: Arc<Gateway>, registry: Registry, listen: Option<SocketAddr>, metrics_listen: Option<SocketAddr>) -> Result<Self, DaemonError> {
        // A proxy that cannot start leaves the management plane up, so it can be fixed.
        let proxy = match listen {
            Some(addr) => match Self::start_proxy(config, gateway, addr, &registry).await {
                Ok(proxy) => Some(proxy),
                Err(error) => {
                    tracing::error!(%error, "ActiveSync proxy not started");
                    None
                }
            },
            None => None,
        };
        let metrics = match metrics_listen {
            Some(addr) => {
                let server = MetricsServer::bind(addr, registry).await.map_err(|e| setting("--metrics-listen", e))?;
                tracing::info!(addr = %server.local_addr(), "metrics listening");
                Some(server)
            }
            None => None,
        };
        Ok(Self { proxy, metrics })
    }

    async fn start_proxy(config: &Config, gateway: Arc<Gateway>, addr: SocketAddr, registry: &Registry) -> Result<(ListenerHandle, JoinHandle<()>), DaemonError> {
        let cert = config.tls.certificate_file.clone().ok_or_else(|| setting("tls.certificate_file", "is needed to serve the proxy"))?;
        let key = config.tls.key_file.clone().ok_or_else(|| setting("tls.key_file", "is needed to serve the proxy"))?;
        let backend = config.activesync.backend_url.as_deref().ok_or_else(|| setting("activesync.backend_url", "is needed to serve ActiveSync"))?;
        let mut proxy_config = ProxyConfig::new(backend).map_err(|e| setting("activesync.backend_url", e))?;
        proxy_config.backend_ca_file = config.activesync.backend_ca_file.clone();
        let proxy = ActiveSyncProxy::new(gateway, proxy_config).map_err(|e| setting("activesync", e))?;
        let metrics = FrontMetrics::register(registry).map_err(|e| setting("metrics", e))?;
        let watcher = CertificateWatcher::new(TlsSettings::new(cert, key), metrics.clone()).map_err(|e| setting("tls", e))?;
        let reload = watcher.spawn_periodic(CERTIFICATE_CHECK);
        let listener = Listener::bind(addr, ListenerConfig::default(), watcher, metrics).await.map_err(|e| setting("--listen", e))?;
        tracing::info!(addr = %listener.local_addr(), "ActiveSync proxy listening");
        let handle = listener.serve(move |tls, peer: PeerInfo| {
            let proxy = proxy.clone();
            async move {
                if let Err(error) = proxy.serve(tls, ClientInfo::https(peer.addr)).await {
                    tracing::debug!(peer = %peer.addr, %error, "client connection ended with an error");
                }
            }
        });
        Ok((handle, reload))
    }

    /// Stops accepting, lets live connections finish for a while, then stops.
    pub(crate) async fn shutdown(self) {
        if let Some((handle, reload)) = self.proxy {
            let report = handle.shutdown(DRAIN).await;
            reload.abort();
            tracing::info!(?report, "proxy drained");
        }
        if let Some(metrics) = self.metrics {
            metrics.shutdown().await;
        }
    }
}
