//! posternd built without the `federation` feature (the appliance image, until it ships
//! libxmlsec1): no federation listener is served; the CLI refuses `accs federation
//! listen` and `accs federation url`, a start-up configuration that sets them is logged
//! as having no effect, and `show accs` says why.

use crate::sign_ins::SignInSink;
use postern_config::Config;
use postern_gateway::Gateway;
use postern_proxy_front::FrontMetrics;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;

/// This posternd serves no federation listener: the CLI refuses its settings.
pub(crate) const SERVED: bool = false;

/// Stands in for the federation listener.
pub(crate) struct FederationPlane;

/// Binds nothing.
pub(crate) async fn bind(_startup: Option<&Config>) -> Option<TcpListener> {
    None
}

impl FederationPlane {
    /// The stand-in; the arguments are those of the real plane.
    pub(crate) fn new(
        _gateway: Arc<Gateway>,
        _sink: SignInSink,
        _failures: Arc<crate::sign_in_failures::FailedSignIns>,
        _front: FrontMetrics,
        _tls_dir: PathBuf,
        _tunnels: Option<postern_proxy_apptunnel::TunnelOrigins>,
    ) -> Arc<Self> {
        Arc::new(Self)
    }

    /// `show accs sessions`.
    pub(crate) fn sessions(&self) -> String {
        "Federation sessions: none (this posternd is built without the SAML federation listener)\n".into()
    }

    /// The federation part of `show accs`.
    pub(crate) fn render(&self) -> String {
        "Federation: not served: this posternd is built without the SAML federation listener (feature `federation`)\n"
            .into()
    }
}

/// Logs once that the settings have no effect here, then waits for `stop`.
pub(crate) async fn run(
    _plane: Arc<FederationPlane>,
    store: Arc<crate::accs_store::AccsStore>,
    running: tokio::sync::watch::Receiver<Arc<Config>>,
    _bound: (Option<TcpListener>, crate::binder::Binder),
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    if running.borrow().accs.federation_listen.is_some() {
        let revision = store.current().map(|profile| profile.revision);
        tracing::warn!(
            ?revision,
            "accs federation listen is set, but this posternd is built without the federation listener"
        );
    }
    let _ = stop.changed().await;
}
