//! The endpoint agents' control channel (Z1): mutual TLS on the proxy front's listener
//! (a device certificate from the AppTunnel client CA is required), one session per
//! agent (see `agent_sessions`, `agent_connection`), the protected resources pushed at
//! every commit that changes them, and sessions revoked when the gateway cuts the device.

use crate::agent_sessions::Sessions;
use crate::binder::Binder;
use crate::error::DaemonError;
use crate::listener_slot::ListenerSlot;
use crate::tls::Pair;
use postern_agent_wire::Resource;
use postern_config::Config;
use postern_decision::AccessKey;
use postern_device_cache::uem_tag;
use postern_gateway::{BlockOrigin, Gateway};
use postern_proxy_front::{
    CertificateWatcher, ClientAuth, ConnectionService, FrontMetrics, PeerInfo, TlsFloor, TlsSettings,
};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{broadcast, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;

/// How often the certificate files are checked for a new pair.
const CERTIFICATE_CHECK: Duration = Duration::from_secs(30);
/// How often changed sessions are written to their file.
const SESSIONS_FLUSH: Duration = Duration::from_secs(1);

/// How long agent connections have to close when the channel stops (they are told first).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Where the control channel is to listen: every address on `agent.port`; nowhere unless
/// `agent.enabled`.
fn wanted(settings: &postern_config::AgentSettings) -> Option<SocketAddr> {
    settings.enabled.then(|| SocketAddr::from((Ipv4Addr::UNSPECIFIED, settings.port)))
}

/// The socket bound at start-up (as root, before the privileges go), if the channel is
/// enabled.
pub(crate) async fn bind(startup: Option<&Config>) -> Result<Option<TcpListener>, DaemonError> {
    let Some(addr) = startup.and_then(|c| wanted(&c.agent)) else { return Ok(None) };
    TcpListener::bind(addr)
        .await
        .map(Some)
        .map_err(|e| DaemonError::Setting { setting: "agent.port", reason: format!("cannot bind {addr}: {e}") })
}

/// What every agent connection shares.
pub(crate) struct Shared {
    pub(crate) sessions: Arc<Sessions>,
    resources: RwLock<Vec<Resource>>,
    gateway: Arc<Gateway>,
    common_name_fallback: crate::identity_fallback::CommonNameFallback,
    pub(crate) clock: fn() -> u64,
}

impl Shared {
    /// The protected resources in effect.
    pub(crate) fn resources(&self) -> Vec<Resource> {
        self.resources.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Why the gateway refuses `device` a session, if it does: a pinned block (operator,
    /// wiped), or a cache entry of the device blocked, quarantined or wiped by the UEM.
    pub(crate) fn refusal(&self, device: &str) -> Option<String> {
        if let Some(reason) = self.pinned(device) {
            return Some(reason);
        }
        let id = postern_decision::UemDeviceId::new(device).ok()?;
        let entries = self.gateway.cache().entries_by_uem_tag(uem_tag(Some(&id))).ok()?;
        entries
            .iter()
            .filter(|(_, r)| r.identity.uem_device_id.as_ref() == Some(&id))
            .find(|(_, r)| !r.state.permits() && r.state != postern_decision::DeviceState::Unknown)
            .map(|(_, r)| r.state.code().to_owned())
    }

    /// Why the pinned list (operator blocks, wiped devices) refuses `device`, if it does.
    fn pinned(&self, device: &str) -> Option<String> {
        self.gateway.blocks().matching(None, Some(device), None).map(|block| match block.origin {
            BlockOrigin::Operator => "operator-blocked".into(),
            BlockOrigin::Wiped => "wiped".into(),
        })
    }

    /// The devices that hold a session, each once.
    fn devices(&self) -> std::collections::BTreeSet<String> {
        self.sessions.list().into_iter().map(|(s, _)| s.device).collect()
    }

    /// The user of `device` as the device cache knows it.
    pub(crate) fn user_of(&self, device: &str) -> Option<String> {
        let id = postern_decision::UemDeviceId::new(device).ok()?;
        let entries = self.gateway.cache().entries_by_uem_tag(uem_tag(Some(&id))).ok()?;
        entries
            .iter()
            .filter(|(_, r)| r.identity.uem_device_id.as_ref() == Some(&id))
            .find_map(|(_, r)| r.identity.user.as_ref().map(|u| u.as_str().to_owned()))
    }
}

/// Hands the appliance's commits to the control channel once the appliance exists.
pub(crate) struct CommitsLater(Mutex<Option<oneshot::Sender<watch::Receiver<Arc<Config>>>>>);

impl CommitsLater {
    /// The sending half, and the receiving half for [`AgentInputs::commits`].
    pub(crate) fn new() -> (Self, oneshot::Receiver<watch::Receiver<Arc<Config>>>) {
        let (tx, rx) = oneshot::channel();
        (Self(Mutex::new(Some(tx))), rx)
    }

    /// Gives the control channel the running configuration as commits change it.
    pub(crate) fn send(&self, commits: watch::Receiver<Arc<Config>>) {
        if let Some(tx) = self.0.lock().unwrap_or_else(PoisonError::into_inner).take() {
            let _ = tx.send(commits);
        }
    }
}

/// The running control channel.
pub(crate) struct AgentPlane {
    listener: Arc<ListenerSlot<AgentService>>,
    tasks: Vec<JoinHandle<()>>,
    watcher: Arc<CertificateWatcher>,
    shared: Arc<Shared>,
}

fn setting(setting: &'static str, reason: impl ToString) -> DaemonError {
    DaemonError::Setting { setting, reason: reason.to_string() }
}

/// What the control channel starts from.
pub(crate) struct AgentInputs<'a> {
    pub(crate) config: &'a Config,
    pub(crate) pair: &'a Pair,
    pub(crate) front: FrontMetrics,
    /// The socket bound at start-up, if enabled then.
    pub(crate) tcp: Option<TcpListener>,
    /// Binds the listener a commit starts or moves.
    pub(crate) binder: Binder,
    pub(crate) gateway: Arc<Gateway>,
    pub(crate) state_dir: &'a Path,
    pub(crate) clock: fn() -> u64,
    pub(crate) commits: oneshot::Receiver<watch::Receiver<Arc<Config>>>,
}

impl AgentPlane {
    /// The control channel, serving on `tcp` if enabled at start-up; commits start, move
    /// and stop its listener (`agent enabled`, `agent port`).
    pub(crate) fn start(inputs: AgentInputs<'_>) -> Result<Self, DaemonError> {
        let AgentInputs { config, pair, front, tcp, binder, gateway, state_dir, clock, commits } = inputs;
        let ca = config
            .apptunnel
            .client_ca_file
            .clone()
            .ok_or_else(|| setting("apptunnel.client_ca_file", "is needed to identify devices"))?;
        let mut tls = TlsSettings::new(&pair.certificate, &pair.key);
        tls.client_auth = ClientAuth::Required(ca);
        tls.floor = match config.tls.min_version {
            postern_config::TlsVersion::Tls13 => TlsFloor::Tls13,
            _ => TlsFloor::Tls12,
        };
        let sessions = Arc::new(Sessions::open(state_dir.join("agent/sessions"), clock()));
        let shared = Arc::new(Shared {
            sessions,
            resources: RwLock::new(config.agent.wire_resources()),
            gateway: gateway.clone(),
            common_name_fallback: crate::identity_fallback::CommonNameFallback::new(
                config.apptunnel.identity_from_common_name,
            ),
            clock,
        });
        let watcher = CertificateWatcher::new(tls, front.clone()).map_err(|e| setting("tls", e))?;
        let reload = watcher.spawn_periodic(CERTIFICATE_CHECK);
        let listener = Arc::new(ListenerSlot::new(
            "agent",
            watcher.clone(),
            front,
            binder,
            AgentService(shared.clone()),
            SHUTDOWN_GRACE,
        ));
        if let Some(tcp) = tcp {
            let wanted = wanted(&config.agent).unwrap_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)));
            let addr = listener.serve_on(wanted, tcp).map_err(|e| setting("agent.port", e))?;
            tracing::info!(%addr, resources = config.agent.resources.len(), "agent control channel listening");
        }
        let flushing = shared.sessions.clone();
        let tasks = vec![
            reload,
            tokio::spawn(async move {
                let mut every = tokio::time::interval(SESSIONS_FLUSH);
                loop {
                    every.tick().await;
                    let sessions = flushing.clone();
                    let _ = tokio::task::spawn_blocking(move || sessions.flush()).await;
                }
            }),
            tokio::spawn(follow_commits(shared.clone(), commits, listener.clone())),
            tokio::spawn(follow_blocks(shared.clone(), gateway.subscribe_blocks())),
            tokio::spawn(follow_cuts(shared.clone(), gateway.subscribe_cuts())),
        ];
        Ok(Self { listener, tasks, watcher, shared })
    }

    /// The certificate watcher, to follow a committed certificate change.
    pub(crate) fn watcher(&self) -> Arc<CertificateWatcher> {
        self.watcher.clone()
    }

    /// `apptunnel identity-from-common-name` as this listener reads it, for a commit to change.
    pub(crate) fn common_name_fallback(&self) -> crate::identity_fallback::CommonNameFallback {
        self.shared.common_name_fallback.clone()
    }

    /// `show agent sessions`.
    pub(crate) fn table(&self) -> Box<dyn Fn() -> String + Send + Sync> {
        let shared = self.shared.clone();
        Box::new(move || crate::agent_connection::render(&shared, (shared.clock)()))
    }

    /// Stops accepting and closes every agent connection (the sessions stay, for the
    /// agents to resume).
    pub(crate) async fn shutdown(self) {
        for task in &self.tasks {
            task.abort();
        }
        self.listener.shutdown().await;
        self.shared.sessions.flush();
        tracing::info!("agent control channel closed");
    }
}

/// The control channel as the listener's connection service.
pub(crate) struct AgentService(Arc<Shared>);

impl ConnectionService for AgentService {
    fn serve(&self, stream: TlsStream<TcpStream>, peer: PeerInfo) -> impl Future<Output = ()> + Send + 'static {
        serve(stream, peer, self.0.clone())
    }
}

async fn serve(tls: TlsStream<TcpStream>, peer: PeerInfo, shared: Arc<Shared>) {
    let device = postern_proxy_apptunnel::device_identity(peer.client_cert.as_ref(), shared.common_name_fallback.get());
    crate::agent_connection::serve(tls, peer, device.map(|d| d.to_string()).map_err(|e| e.to_string()), shared).await;
}

async fn follow_commits(
    shared: Arc<Shared>,
    commits: oneshot::Receiver<watch::Receiver<Arc<Config>>>,
    listener: Arc<ListenerSlot<AgentService>>,
) {
    let Ok(mut commits) = commits.await else { return };
    while commits.changed().await.is_ok() {
        let config = commits.borrow_and_update().clone();
        listener.follow(wanted(&config.agent));
        let wanted = config.agent.wire_resources();
        let mut resources = shared.resources.write().unwrap_or_else(PoisonError::into_inner);
        if *resources != wanted {
            *resources = wanted;
            drop(resources);
            let agents = shared.sessions.push_resources();
            tracing::info!(agents, "agent resources changed by a commit: sent to every connected agent");
        }
    }
}

async fn follow_blocks(shared: Arc<Shared>, mut blocks: watch::Receiver<u64>) {
    while blocks.changed().await.is_ok() {
        blocks.borrow_and_update();
        // A block changed the pinned list only: that is all there is to check.
        for device in shared.devices() {
            if let Some(reason) = shared.pinned(&device) {
                revoke(&shared, &device, &reason);
            }
        }
    }
}

async fn follow_cuts(shared: Arc<Shared>, mut cuts: broadcast::Receiver<postern_gateway::Cut>) {
    loop {
        match cuts.recv().await {
            Ok(cut) => {
                let device = match &cut.key {
                    AccessKey::AppTunnel(key) => Some(key.uem_device_id.to_string()),
                    AccessKey::ActiveSync(eas) => shared.gateway.uem_device_of(eas),
                };
                if let Some(device) = device {
                    revoke(&shared, &device, cut.reason.code());
                }
            }
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                tracing::warn!(missed, "cuts missed: checking every agent session against the gateway");
                for device in shared.devices() {
                    if let Some(reason) = shared.refusal(&device) {
                        revoke(&shared, &device, &reason);
                    }
                }
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}

fn revoke(shared: &Shared, device: &str, reason: &str) {
    let sessions = shared.sessions.revoke_device(device, reason);
    if sessions > 0 {
        tracing::warn!(device, reason, sessions, "agent session revoked");
    }
}
