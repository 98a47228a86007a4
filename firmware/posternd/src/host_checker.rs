//! The Host Checker verifier's I/O shell: PT-TLS on the proxy front's TLS listener
//! (a device certificate from the AppTunnel client CA is required), one sans-IO
//! [`Verifier`] per connection, the decision recorded per device and counted.

use crate::error::DaemonError;
use crate::patch_list_store::PatchListStore;
use crate::posture_results::{CheckRecord, PostureResults};
use crate::tls::Pair;
use postern_config::{Config, HostCheckerSettings};
use postern_host_checker::{PolicySet, Verifier, VerifierConfig, VerifierOutput};
use postern_metrics::{Counter, LabelledCounter, Registry};
use postern_proxy_front::{
    CertificateWatcher, ClientAuth, FrontMetrics, Listener, ListenerConfig, ListenerHandle, PeerInfo, TlsFloor,
    TlsSettings,
};
use postern_tnc_wire::pt_tls::{HEADER_LEN, frame_len};
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_rustls::server::TlsStream;

/// How long the verifier waits for the collector's next message during an assessment.
const READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a decided session may stay open, idle, for a collector that asks for a new
/// assessment when the endpoint changes (PB-TNC CRETRY).
const WATCH_TIMEOUT: Duration = Duration::from_secs(24 * 3600);
/// How often the certificate files are checked for a new pair.
const CERTIFICATE_CHECK: Duration = Duration::from_secs(30);
/// Result labels of `postern_host_checker_checks_total`.
const RESULTS: &[&str] = &["compliant", "noncompliant", "failed"];

/// Where the verifier listens: `--host-checker-listen`, else every address on
/// `host_checker.port`; nothing unless `host_checker.enabled`.
pub(crate) async fn bind(
    flag: Option<SocketAddr>,
    startup: Option<&Config>,
) -> Result<Option<TcpListener>, DaemonError> {
    let Some(settings) = startup.map(|c| &c.host_checker).filter(|s| s.enabled) else { return Ok(None) };
    let addr = flag.unwrap_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, settings.port)));
    TcpListener::bind(addr)
        .await
        .map(Some)
        .map_err(|e| DaemonError::Setting { setting: "host_checker.port", reason: format!("cannot bind {addr}: {e}") })
}

struct Shared {
    /// The policy set and the patch-list generation it was built with.
    policies: Mutex<(Arc<PolicySet>, u64)>,
    patch_list: Arc<PatchListStore>,
    on_failure: crate::posture_cuts::OnFailure,
    seen: Mutex<HostCheckerSettings>,
    results: Arc<PostureResults>,
    checks: LabelledCounter,
    millis: Counter,
    common_name_fallback: bool,
    clock: fn() -> u64,
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
}

/// The running verifier.
pub(crate) struct HostCheckerPlane {
    handle: ListenerHandle,
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
    /// The policies for a new session, with the patch list in use now.
    fn current_policies(&self) -> Arc<PolicySet> {
        let mut policies = self.policies.lock().unwrap_or_else(PoisonError::into_inner);
        if policies.1 != self.patch_list.generation() {
            let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            *policies = policy_set(&seen, &self.patch_list);
        }
        policies.0.clone()
    }
}

impl HostCheckerPlane {
    /// Serves PT-TLS on `tcp` with the configuration's certificate and policies.
    pub(crate) fn start(
        config: &Config,
        pair: &Pair,
        registry: &Registry,
        front: FrontMetrics,
        tcp: TcpListener,
        clock: fn() -> u64,
        stores: PostureStores,
    ) -> Result<Self, DaemonError> {
        let PostureStores { results, patch_list, on_failure } = stores;
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
            seen: Mutex::new(config.host_checker.clone()),
            results,
            checks,
            millis,
            common_name_fallback: config.apptunnel.identity_from_common_name,
            clock,
        });
        let watcher = CertificateWatcher::new(tls, front.clone()).map_err(|e| setting("tls", e))?;
        let reload = watcher.spawn_periodic(CERTIFICATE_CHECK);
        let listener = Listener::on(tcp, ListenerConfig::default(), watcher.clone(), front)
            .map_err(|e| setting("host_checker.port", e))?;
        tracing::info!(addr = %listener.local_addr(), policies = config.host_checker.policies.len(), "Host Checker verifier listening");
        let serving = shared.clone();
        let handle = listener.serve(move |tls, peer: PeerInfo| serve(tls, peer, serving.clone()));
        Ok(Self { handle, reload, watcher, shared })
    }

    /// The certificate watcher, to follow a committed certificate change.
    pub(crate) fn watcher(&self) -> Arc<CertificateWatcher> {
        self.watcher.clone()
    }

    /// The results, for the CLI.
    pub(crate) fn results(&self) -> Arc<PostureResults> {
        self.shared.results.clone()
    }

    /// Takes committed policies into use for the next sessions (a commit takes effect at
    /// once; the port and `enabled` at the next reload).
    pub(crate) fn follow(&self, running: &HostCheckerSettings) {
        let mut seen = self.shared.seen.lock().unwrap_or_else(PoisonError::into_inner);
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

    /// Stops accepting and lets live sessions finish for a while.
    pub(crate) async fn shutdown(self, grace: Duration) {
        let report = self.handle.shutdown(grace).await;
        self.reload.abort();
        tracing::info!(?report, "Host Checker listener drained");
    }
}

async fn read_message(
    tls: &mut TlsStream<TcpStream>,
    limits: &postern_tnc_wire::Limits,
    decided: bool,
) -> Result<Option<Vec<u8>>, String> {
    let mut header = [0u8; HEADER_LEN];
    let wait = if decided { WATCH_TIMEOUT } else { READ_TIMEOUT };
    match tokio::time::timeout(wait, tls.read_exact(&mut header)).await {
        Err(_) if decided => return Ok(None),
        Err(_) => return Err("the collector sent nothing for 30 s".into()),
        Ok(Err(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Ok(Err(e)) => return Err(e.to_string()),
        Ok(Ok(_)) => {}
    }
    let len = frame_len(&header, limits).map_err(|e| e.to_string())?;
    let mut message = header.to_vec();
    message.resize(len, 0);
    tokio::time::timeout(READ_TIMEOUT, tls.read_exact(&mut message[HEADER_LEN..]))
        .await
        .map_err(|_| "the collector stopped mid-message".to_owned())?
        .map_err(|e| e.to_string())?;
    Ok(Some(message))
}

async fn serve(mut tls: TlsStream<TcpStream>, peer: PeerInfo, shared: Arc<Shared>) {
    let device = match postern_proxy_apptunnel::device_identity(peer.client_cert.as_ref(), shared.common_name_fallback)
    {
        Ok(id) => id.to_string(),
        Err(error) => {
            tracing::warn!(peer = %peer.addr, %error, "Host Checker client without a device identity: closed");
            return;
        }
    };
    let config = VerifierConfig::default();
    let limits = config.limits;
    let policies = shared.current_policies();
    let mut verifier = Verifier::new(config, policies);
    let record = |outcome: Result<postern_host_checker::Decision, String>, started: Instant| {
        let millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        shared.millis.add(millis);
        let label = match &outcome {
            Ok(d) if d.compliant => "compliant",
            Ok(_) => "noncompliant",
            Err(_) => "failed",
        };
        shared.checks.inc(label);
        match &outcome {
            Ok(d) => {
                tracing::info!(device = %device, peer = %peer.addr, compliant = d.compliant, failed = ?d.failed_policies, millis, "host check decided")
            }
            Err(reason) => tracing::warn!(device = %device, peer = %peer.addr, %reason, "host check failed"),
        }
        let failed = !matches!(&outcome, Ok(d) if d.compliant);
        shared.results.record(&device, CheckRecord { at: (shared.clock)(), peer: peer.addr, outcome });
        if failed {
            (shared.on_failure)(&device);
        }
    };
    // An assessment is timed from its first message: the session's, or the first after
    // the last decision (a retry).
    let mut started = Instant::now();
    let mut decided = false;
    loop {
        let message = match read_message(&mut tls, &limits, decided).await {
            Ok(Some(m)) => m,
            Ok(None) => return,
            Err(reason) => return record(Err(reason), started),
        };
        if decided {
            started = Instant::now();
            decided = false;
        }
        for output in verifier.receive(&message) {
            match output {
                VerifierOutput::Send(bytes) => {
                    if let Err(e) = tls.write_all(&bytes).await {
                        return record(Err(format!("writing to the collector: {e}")), started);
                    }
                }
                VerifierOutput::Decided(decision) => {
                    decided = true;
                    record(Ok(decision), started);
                }
                VerifierOutput::Close => {
                    let _ = tls.shutdown().await;
                    return;
                }
                VerifierOutput::Failed(reason) => {
                    let _ = tls.flush().await;
                    let _ = tls.shutdown().await;
                    return record(Err(reason), started);
                }
            }
        }
    }
}
