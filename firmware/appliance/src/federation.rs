//! The SAML federation listener (A1, A4): serves the portal's profile under
//! `accs federation url` on `accs federation listen`, with the profile's listener TLS pair
//! (a device certificate from the AppTunnel client CA asked for, not required) and its
//! SAML signing pair. A new profile or changed settings apply at once: the federation
//! configuration is swapped under the running service and a new TLS pair serves the next
//! handshake; only a new listen address restarts the listener.

use crate::binder::Binder;
use crate::revocation::Revocations;
use crate::sign_in_failures::{FailedSignIns, failed};
use crate::sign_ins::{CacheDirectory, SignInSink, sign_in};
use postern_access_profile::Profile;
use postern_config::Config;
use postern_federation::flow::Federation;
use postern_federation::profile::federation_set;
use postern_federation::shell::{FederationService, RefusalReporter, ServiceHooks, SignInReporter};
use postern_gateway::Gateway;
use postern_proxy_apptunnel::TunnelOrigins;
use postern_proxy_front::{
    CertificateWatcher, ClientAuth, FrontMetrics, Listener, ListenerConfig, ListenerHandle, PeerInfo, ReloadOutcome,
    TlsSettings,
};
use sha2::{Digest as _, Sha256};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::net::TcpListener;

/// How long connections of a listener that moves to another address get to finish.
const DRAIN: Duration = Duration::from_secs(5);

/// What the listener serves: the inputs it was last set up from.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Wanted {
    listen: Option<SocketAddr>,
    url: Option<String>,
    client_ca: Option<PathBuf>,
    floor: postern_proxy_front::TlsFloor,
    revision: Option<u64>,
}

struct Running {
    listen: SocketAddr,
    handle: ListenerHandle,
    watcher: Arc<CertificateWatcher>,
    service: Arc<FederationService>,
    tls_files: (PathBuf, PathBuf),
}

/// This posternd serves the federation listener.
pub(crate) const SERVED: bool = true;

/// The federation listener and what `show accs` says of it.
pub(crate) struct FederationPlane {
    gateway: Arc<Gateway>,
    reporter: SignInReporter,
    refusals: RefusalReporter,
    revocations: Arc<Revocations>,
    front: FrontMetrics,
    tls_dir: PathBuf,
    tunnels: Option<TunnelOrigins>,
    running: tokio::sync::Mutex<Option<Running>>,
    applied: Mutex<Option<Wanted>>,
    status: Mutex<String>,
}

/// Binds the listen address of the configuration at start (before root is given up);
/// a failure is logged and retried when the settings are next applied.
pub(crate) async fn bind(startup: Option<&Config>) -> Option<TcpListener> {
    let addr = startup.and_then(|config| config.accs.federation_listen)?;
    TcpListener::bind(addr)
        .await
        .map_err(|error| tracing::error!(%addr, %error, "federation listener address cannot be bound"))
        .ok()
}

impl FederationPlane {
    /// A plane that looks devices up in `gateway`'s cache, hands decided sign-ins (and
    /// revocations) to `sink` and refused ones to `failures`; the listener's TLS files are
    /// kept in `tls_dir`, the issued sessions in `federation-sessions.json` beside it.
    /// Connections that come through an AppTunnel are found in `tunnels` (the AppTunnel
    /// proxy's, when it runs).
    pub(crate) fn new(
        gateway: Arc<Gateway>,
        sink: SignInSink,
        failures: Arc<FailedSignIns>,
        front: FrontMetrics,
        tls_dir: PathBuf,
        tunnels: Option<TunnelOrigins>,
    ) -> Arc<Self> {
        let revocations =
            Revocations::open(gateway.clone(), sink.clone(), tls_dir.with_file_name("federation-sessions.json"));
        let reporter: SignInReporter = Arc::new(move |record, time_unix| sink(sign_in(record, time_unix)));
        let refusals: RefusalReporter =
            Arc::new(move |refusal, source, time_unix| failures.report(failed(refusal, time_unix), source));
        Arc::new(Self {
            gateway,
            reporter,
            refusals,
            revocations,
            front,
            tls_dir,
            tunnels,
            running: tokio::sync::Mutex::new(None),
            applied: Mutex::new(None),
            status: Mutex::new("Federation: not served yet\n".into()),
        })
    }

    /// The federation part of `show accs`.
    pub(crate) fn render(&self) -> String {
        self.status.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// `show accs sessions`: the issued sessions and the revocations (A5).
    pub(crate) fn sessions(&self) -> String {
        self.revocations.render()
    }

    fn say(&self, status: String) {
        *self.status.lock().unwrap_or_else(PoisonError::into_inner) = status;
    }

    /// Serves what `config` and `profile` ask for, changing only what changed.
    /// `bound` is the socket bound at start, used when it is the address asked for; any
    /// other address is bound by the binder (through the privileged helper once root is gone).
    pub(crate) async fn follow(
        &self,
        config: &Config,
        profile: Option<Arc<Profile>>,
        bound: (&mut Option<TcpListener>, &Binder),
    ) {
        let wanted = Wanted {
            listen: config.accs.federation_listen,
            url: config.accs.federation_url.clone(),
            client_ca: config.apptunnel.client_ca_file.clone(),
            floor: crate::data_plane::tls_floor(config),
            revision: profile.as_ref().map(|p| p.revision),
        };
        if self.applied.lock().unwrap_or_else(PoisonError::into_inner).as_ref() == Some(&wanted) {
            return;
        }
        *self.applied.lock().unwrap_or_else(PoisonError::into_inner) = Some(wanted.clone());
        let mut running = self.running.lock().await;
        let (listen, url, profile) = match (wanted.listen, &wanted.url, profile) {
            (None, _, _) => {
                return self.stop(&mut running, "no listener address is set (accs federation listen)").await;
            }
            (_, None, _) => return self.stop(&mut running, "no public URL is set (accs federation url)").await,
            (_, _, None) => return self.stop(&mut running, "no access profile from the portal yet").await,
            (Some(listen), Some(url), Some(profile)) => (listen, url.clone(), profile),
        };
        let set = match federation_set(&profile, &url) {
            Ok(set) => set,
            Err(error) => {
                tracing::error!(revision = profile.revision, %error, "profile cannot be served by the federation listener");
                return match running.as_ref() {
                    Some(_) => self.say(format!(
                        "Federation: revision {} cannot be served ({error}); the previous one stays in use\n",
                        profile.revision
                    )),
                    None => {
                        self.stop(
                            &mut running,
                            &format!("profile revision {} cannot be served: {error}", profile.revision),
                        )
                        .await
                    }
                };
            }
        };
        let tls_files = match self.write_tls(&profile) {
            Ok(files) => files,
            Err(reason) => return self.stop(&mut running, &reason).await,
        };
        let client_auth = wanted.client_ca.clone().map_or(ClientAuth::None, ClientAuth::Optional);
        if let Some(current) = running.as_mut().filter(|r| r.listen == listen) {
            current.service.reconfigure(set);
            let outcome = current.watcher.reconfigure(|settings| {
                settings.cert_chain = tls_files.0.clone();
                settings.private_key = tls_files.1.clone();
                settings.client_auth = client_auth;
                settings.floor = wanted.floor;
            });
            if let ReloadOutcome::Refused { reason } = outcome {
                tracing::error!(%reason, "federation listener TLS settings refused; the previous ones stay in use");
            } else {
                current.tls_files = tls_files;
            }
            tracing::info!(revision = profile.revision, %url, "federation configuration applied");
        } else {
            self.stop(&mut running, "restarting").await;
            let started = self.start(listen, bound, tls_files, client_auth, wanted.floor, set).await;
            match started {
                Ok(started) => *running = Some(started),
                Err(reason) => return self.stop(&mut running, &reason).await,
            }
        }
        self.say(format!(
            "Federation: serving on {listen} as {url}, profile revision {}, {} pairings\n  IdP metadata {url}/saml/idp/metadata, SP metadata {url}/saml/sp/metadata\n  Device certificates: {}\n",
            profile.revision,
            profile.pairings.len(),
            match &wanted.client_ca {
                Some(ca) => format!("asked for (AppTunnel client CA {})", ca.display()),
                None => "not asked for (no apptunnel client-ca-file): every sign-in is unmanaged".into(),
            }
        ));
    }

    async fn stop(&self, running: &mut Option<Running>, why: &str) {
        if let Some(old) = running.take() {
            let report = old.handle.shutdown(DRAIN).await;
            tracing::info!(?report, why, "federation listener stopped");
        }
        if why != "restarting" {
            self.say(format!("Federation: not served: {why}\n"));
        }
    }

    async fn start(
        &self,
        listen: SocketAddr,
        (bound, binder): (&mut Option<TcpListener>, &Binder),
        tls_files: (PathBuf, PathBuf),
        client_auth: ClientAuth,
        floor: postern_proxy_front::TlsFloor,
        set: postern_federation::config::FederationSet,
    ) -> Result<Running, String> {
        let tcp = match bound.take() {
            Some(tcp) if tcp.local_addr().is_ok_and(|a| a == listen) => tcp,
            _ => binder.bind(listen).map_err(|e| e.to_string())?,
        };
        let mut settings = TlsSettings::new(&tls_files.0, &tls_files.1);
        settings.client_auth = client_auth;
        settings.floor = floor;
        let watcher = CertificateWatcher::new(settings, self.front.clone()).map_err(|e| format!("TLS: {e}"))?;
        let listener = Listener::on(tcp, ListenerConfig::default(), watcher.clone(), self.front.clone())
            .map_err(|e| format!("listener: {e}"))?;
        let directory = Arc::new(CacheDirectory::new(self.gateway.clone()));
        let revocations = self.revocations.clone();
        let hooks = ServiceHooks {
            sign_ins: Some(self.reporter.clone()),
            refusals: Some(self.refusals.clone()),
            sessions: Some(Arc::new(move |sessions| revocations.record(sessions))),
        };
        let service = FederationService::with_hooks(Federation::new(set), directory, hooks);
        if let Some(tunnels) = &self.tunnels {
            service.bind_tunnels(tunnels.clone());
        }
        let serving = service.clone();
        tracing::info!(addr = %listener.local_addr(), "federation listener listening");
        let handle = listener.serve(move |tls, peer: PeerInfo| serving.clone().serve(tls, peer));
        Ok(Running { listen, handle, watcher, service, tls_files })
    }

    /// Writes the profile's listener pair (mode 0600) under a name of its own, so the
    /// watcher sees new files for a new pair; returns the certificate and key paths.
    fn write_tls(&self, profile: &Profile) -> Result<(PathBuf, PathBuf), String> {
        let pair = &profile.listener_tls;
        let digest = Sha256::digest(format!("{}{}", pair.certificate_chain_pem, pair.private_key_pem));
        let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        let (cert, key) = (self.tls_dir.join(format!("{name}.crt")), self.tls_dir.join(format!("{name}.key")));
        create_private_dir(&self.tls_dir)?;
        for (path, text) in [(&cert, &pair.certificate_chain_pem), (&key, &pair.private_key_pem)] {
            postern_durable_fs::write_atomically(path, text.as_bytes(), 0o600)
                .map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
        Ok((cert, key))
    }
}

fn create_private_dir(dir: &Path) -> Result<(), String> {
    use std::os::unix::fs::DirBuilderExt as _;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("creating {}: {e}", dir.display()))
}

/// Follows the running configuration and the profile in use until `stop`: at once after a
/// commit, and within a second of a new profile.
pub(crate) async fn run(
    plane: Arc<FederationPlane>,
    store: Arc<crate::accs_store::AccsStore>,
    mut running: tokio::sync::watch::Receiver<Arc<Config>>,
    (mut bound, binder): (Option<TcpListener>, Binder),
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let revoking =
        tokio::spawn(crate::revocation::run(plane.revocations.clone(), plane.gateway.subscribe_cuts(), stop.clone()));
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        let config = running.borrow_and_update().clone();
        plane.revocations.follow(config.clone(), store.current());
        plane.follow(&config, store.current(), (&mut bound, &binder)).await;
        tokio::select! {
            _ = tick.tick() => {}
            changed = running.changed() => if changed.is_err() { break },
            _ = stop.changed() => break,
        }
    }
    if let Some(old) = plane.running.lock().await.take() {
        let _ = old.handle.shutdown(DRAIN).await;
    }
    let _ = revoking.await;
}
