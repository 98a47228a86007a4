//! The Host Checker verifier's I/O shell: PT-TLS on the proxy front's TLS listener
//! (a device certificate from the AppTunnel client CA is required), one sans-IO
//! sans-IO verifier per connection (see `host_checker_session`), the policies and the
//! patch list they use, the sessions open.

use crate::error::DaemonError;
use crate::host_checker_listener::{Placement, SHUTDOWN_GRACE, client_auth, follow_sasl_mode, wanted};
use crate::host_checker_sasl::Identity;
use crate::host_checker_sessions::Sessions;
use crate::listener_slot::ListenerSlot;
use crate::patch_list_store::PatchListStore;
use crate::posture_results::PostureResults;
use crate::tls::Pair;
use postern_config::{Config, HostCheckerSettings};
use postern_host_checker::PolicySet;
use postern_metrics::{Counter, LabelledCounter, Registry};
use postern_proxy_front::{CertificateWatcher, ConnectionService, FrontMetrics, PeerInfo, TlsFloor, TlsSettings};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;

/// How often the certificate files are checked for a new pair.
const CERTIFICATE_CHECK: Duration = Duration::from_secs(30);
/// Result labels of `postern_host_checker_checks_total`.
const RESULTS: &[&str] = &["compliant", "noncompliant", "failed"];

/// What every session of the verifier shares.
pub(crate) struct Shared {
    /// The policy set and the patch-list generation it was built with.
    policies: Mutex<(Arc<PolicySet>, u64)>,
    patch_list: Arc<PatchListStore>,
    pub(crate) on_failure: crate::posture_cuts::OnFailure,
    pub(crate) remediation: crate::remediation_hook::RemediationHook,
    seen: Mutex<HostCheckerSettings>,
    pub(crate) results: Arc<PostureResults>,
    pub(crate) sessions: Arc<Sessions>,
    pub(crate) checks: LabelledCounter,
    pub(crate) millis: Counter,
    common_name_fallback: crate::identity_fallback::CommonNameFallback,
    pub(crate) clock: fn() -> u64,
}

/// What the verifier keeps beside its sessions: each device's last decision and the
/// patch list.
pub(crate) struct PostureStores {
    /// The last decision per device.
    pub(crate) results: Arc<PostureResults>,
    /// The patch list in use.
    pub(crate) patch_list: Arc<PatchListStore>,
    /// Told of every device whose assessment failed, after it was recorded.
    pub(crate) on_failure: crate::posture_cuts::OnFailure,
    /// Where failed checks go (the remediation webhook).
    pub(crate) remediation: crate::remediation_hook::RemediationHook,
}

/// The running verifier.
pub(crate) struct HostCheckerPlane {
    listener: ListenerSlot<Verifier>,
    /// `--host-checker-listen`, which wins over `host_checker.port`.
    flag: Option<SocketAddr>,
    reload: JoinHandle<()>,
    watcher: Arc<CertificateWatcher>,
    shared: Arc<Shared>,
}

fn setting(setting: &'static str, reason: impl ToString) -> DaemonError {
    DaemonError::Setting { setting, reason: reason.to_string() }
}

fn policy_set(settings: &HostCheckerSettings, patch_list: &PatchListStore) -> (Arc<PolicySet>, u64) {
    let generation = patch_list.generation();
    (Arc::new(PolicySet { policies: settings.engine_policies(), patch_list: patch_list.current() }), generation)
}

impl Shared {
    /// How long a decided session waits before asking for a new assessment, if at all.
    pub(crate) fn recheck_interval(&self) -> Option<Duration> {
        let secs = self.seen.lock().unwrap_or_else(PoisonError::into_inner).recheck_interval_secs;
        (secs > 0).then(|| Duration::from_secs(secs.into()))
    }

    /// The committed SASL mode and accounts (the listener's handshake follows the mode
    /// from the same commit on: see [`HostCheckerPlane::follow`]).
    pub(crate) fn sasl(&self) -> postern_config::HostCheckerSasl {
        self.seen.lock().unwrap_or_else(PoisonError::into_inner).sasl.clone()
    }

    /// The policies for a new session, with the patch list in use now.
    pub(crate) fn current_policies(&self) -> Arc<PolicySet> {
        let mut policies = self.policies.lock().unwrap_or_else(PoisonError::into_inner);
        if policies.1 != self.patch_list.generation() {
            let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            *policies = policy_set(&seen, &self.patch_list);
        }
        policies.0.clone()
    }
}

impl HostCheckerPlane {
    /// The verifier with the configuration's certificate and policies, serving PT-TLS on
    /// `placement.tcp` when the Host Checker is enabled (the socket bound at start-up).
    pub(crate) fn start(
        config: &Config,
        pair: &Pair,
        registry: &Registry,
        front: FrontMetrics,
        placement: Placement,
        clock: fn() -> u64,
        stores: PostureStores,
    ) -> Result<Self, DaemonError> {
        let PostureStores { results, patch_list, on_failure, remediation } = stores;
        let ca = config
            .apptunnel
            .client_ca_file
            .clone()
            .ok_or_else(|| setting("apptunnel.client_ca_file", "is needed to identify devices"))?;
        let mut tls = TlsSettings::new(&pair.certificate, &pair.key);
        // A client without a certificate gets past the handshake only when SASL may
        // stand in for it; `plan` refuses it again per session if a commit changed that.
        tls.client_auth = client_auth(config.host_checker.sasl.mode, ca);
        tls.floor = match config.tls.min_version {
            postern_config::TlsVersion::Tls13 => TlsFloor::Tls13,
            _ => TlsFloor::Tls12,
        };
        let checks = registry
            .labelled_counter(
                "postern_host_checker_checks_total",
                "Host Checker assessments by result",
                "result",
                RESULTS,
            )
            .map_err(|e| setting("metrics", e))?;
        let millis = registry
            .counter(
                "postern_host_checker_check_milliseconds_total",
                "Time spent in Host Checker assessments, from the first message to the decision",
            )
            .map_err(|e| setting("metrics", e))?;
        let shared = Arc::new(Shared {
            policies: Mutex::new(policy_set(&config.host_checker, &patch_list)),
            patch_list,
            on_failure,
            remediation,
            seen: Mutex::new(config.host_checker.clone()),
            results,
            sessions: Arc::new(Sessions::default()),
            checks,
            millis,
            common_name_fallback: crate::identity_fallback::CommonNameFallback::new(
                config.apptunnel.identity_from_common_name,
            ),
            clock,
        });
        let watcher = CertificateWatcher::new(tls, front.clone()).map_err(|e| setting("tls", e))?;
        let reload = watcher.spawn_periodic(CERTIFICATE_CHECK);
        let Placement { tcp, flag, binder } = placement;
        let listener =
            ListenerSlot::new("host-checker", watcher.clone(), front, binder, Verifier(shared.clone()), SHUTDOWN_GRACE);
        if let Some(tcp) = tcp {
            let wanted = wanted(flag, &config.host_checker).unwrap_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0)));
            let addr = listener.serve_on(wanted, tcp).map_err(|e| setting("host_checker.port", e))?;
            tracing::info!(%addr, policies = config.host_checker.policies.len(), "Host Checker verifier listening");
        }
        Ok(Self { listener, flag, reload, watcher, shared })
    }

    /// The certificate watcher, to follow a committed certificate change.
    pub(crate) fn watcher(&self) -> Arc<CertificateWatcher> {
        self.watcher.clone()
    }

    /// `apptunnel identity-from-common-name` as this listener reads it, for a commit to change.
    pub(crate) fn common_name_fallback(&self) -> crate::identity_fallback::CommonNameFallback {
        self.shared.common_name_fallback.clone()
    }

    /// The results, for the CLI.
    pub(crate) fn results(&self) -> Arc<PostureResults> {
        self.shared.results.clone()
    }

    /// The open sessions, for the CLI.
    pub(crate) fn sessions(&self) -> Arc<Sessions> {
        self.shared.sessions.clone()
    }

    /// Takes committed settings into use: policies for the next sessions, the SASL mode
    /// for the next handshakes, and `enabled` and `port` by starting, moving or stopping
    /// the listener (sessions open stay; see `listener_slot`).
    pub(crate) fn follow(&self, running: &HostCheckerSettings) {
        self.listener.follow(wanted(self.flag, running));
        let mut seen = self.shared.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.sasl.mode != running.sasl.mode {
            follow_sasl_mode(&self.watcher, running.sasl.mode);
        }
        if *seen != *running {
            *self.shared.policies.lock().unwrap_or_else(PoisonError::into_inner) =
                policy_set(running, &self.shared.patch_list);
            *seen = running.clone();
            tracing::info!(
                policies = running.policies.len(),
                "Host Checker policies changed by a commit: in effect now"
            );
        }
    }

    /// Stops accepting and lets live sessions finish for a while ([`SHUTDOWN_GRACE`]).
    pub(crate) async fn shutdown(&self) {
        self.listener.shutdown().await;
        self.reload.abort();
    }
}

/// The verifier as the listener's connection service.
pub(crate) struct Verifier(Arc<Shared>);

impl ConnectionService for Verifier {
    fn serve(&self, stream: TlsStream<TcpStream>, peer: PeerInfo) -> impl Future<Output = ()> + Send + 'static {
        serve(stream, peer, self.0.clone())
    }
}

async fn serve(tls: TlsStream<TcpStream>, peer: PeerInfo, shared: Arc<Shared>) {
    let identity = if peer.client_cert.is_none() {
        Identity::UserOnly
    } else {
        match postern_proxy_apptunnel::device_identity(peer.client_cert.as_ref(), shared.common_name_fallback.get()) {
            Ok(id) => Identity::Device(id.to_string()),
            Err(error) => {
                tracing::warn!(peer = %peer.addr, %error, "Host Checker client without a device identity: closed");
                return;
            }
        }
    };
    let sasl = match crate::host_checker_sasl::plan(&shared.sasl(), &identity) {
        Ok(sasl) => sasl,
        Err(reason) => {
            tracing::warn!(peer = %peer.addr, reason, "Host Checker client refused before PT-TLS");
            return;
        }
    };
    crate::host_checker_session::serve(tls, peer, identity, sasl, shared).await;
}
