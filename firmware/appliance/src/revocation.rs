//! Session revocation (A5): the sessions the federation listener issued, kept in
//! `STATE/accs/federation-sessions.json`, and their revocation when the gateway cuts a
//! device that is no longer allowed (the cut broadcast of A7): Postern's own record ends
//! for every pairing; an SP with a Single Logout URL gets a signed LogoutRequest; a
//! pairing with a revocation call (Entra ID: Graph's `revokeSignInSessions`) gets it.
//! Every outcome is logged and reported to the portal as a `revoked` report (A7).

use crate::revocation_calls::{self, CallTarget};
use crate::sign_ins::{CacheDirectory, SignInSink};
use postern_access_profile::api::{SignIn, SignInResult};
use postern_access_profile::{Profile, Revocation};
use postern_config::Config;
use postern_decision::AccessKey;
use postern_federation::access::DeviceDirectory as _;
use postern_federation::sessions::{Inserted, IssuedSession, SessionStore};
use postern_gateway::{Cut, Gateway};
use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, watch};

mod show;

/// How many finished revocations `show accs sessions` lists.
const RECENT: usize = 20;
/// The session file is written at most this often (and at shutdown).
const PERSIST_EVERY: Duration = Duration::from_secs(1);

type Inputs = Option<(Arc<Config>, Option<Arc<Profile>>)>;

/// The issued sessions and the revocations under way.
pub(crate) struct Revocations {
    gateway: Arc<Gateway>,
    sink: SignInSink,
    path: PathBuf,
    store: Mutex<SessionStore>,
    dirty: AtomicBool,
    inputs: Mutex<Inputs>,
    next: AtomicU64,
    in_progress: Mutex<BTreeMap<u64, String>>,
    recent: Mutex<VecDeque<String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

impl Revocations {
    /// Loads the sessions kept at `path` (an unreadable file is moved aside and logged).
    pub(crate) fn open(gateway: Arc<Gateway>, sink: SignInSink, path: PathBuf) -> Arc<Self> {
        let store = match std::fs::read(&path) {
            Ok(bytes) => match serde_json::from_slice::<SessionStore>(&bytes) {
                Ok(mut store) => {
                    let expired = store.sweep(now());
                    tracing::info!(path = %path.display(), sessions = store.len(), expired, "federation sessions loaded");
                    store
                }
                Err(error) => {
                    let aside = path.with_extension("json.corrupt");
                    let moved = std::fs::rename(&path, &aside).map_err(|e| e.to_string());
                    tracing::error!(path = %path.display(), %error, ?moved, "federation session file unreadable: moved aside; its sessions cannot be revoked");
                    SessionStore::new()
                }
            },
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => SessionStore::new(),
            Err(error) => {
                tracing::error!(path = %path.display(), %error, "federation session file unreadable");
                SessionStore::new()
            }
        };
        Arc::new(Self {
            gateway,
            sink,
            path,
            store: Mutex::new(store),
            dirty: AtomicBool::new(false),
            inputs: Mutex::new(None),
            next: AtomicU64::new(1),
            in_progress: Mutex::new(BTreeMap::new()),
            recent: Mutex::new(VecDeque::new()),
        })
    }

    /// Remembers sessions the listener issued.
    pub(crate) fn record(&self, sessions: Vec<IssuedSession>) {
        let mut store = lock(&self.store);
        for session in sessions {
            tracing::info!(
                session_index = %session.session_index,
                pairing = %session.pairing,
                device = %session.device_id,
                user = %session.name_id,
                "federation session recorded"
            );
            if let Inserted::Displaced(gone) = store.insert(session, now()) {
                tracing::error!(
                    session_index = %gone.session_index,
                    device = %gone.device_id,
                    pairing = %gone.pairing,
                    "federation session store full: the oldest session was forgotten and cannot be revoked"
                );
            }
        }
        self.dirty.store(true, Ordering::Release);
    }

    /// The configuration and profile revocations use from now on.
    pub(crate) fn follow(&self, config: Arc<Config>, profile: Option<Arc<Profile>>) {
        *lock(&self.inputs) = Some((config, profile));
    }

    fn persist(&self) {
        if !self.dirty.swap(false, Ordering::AcqRel) {
            return;
        }
        // A copy, so sign-ins do not wait while it is serialised and written.
        let snapshot = lock(&self.store).clone();
        let json = match serde_json::to_vec(&snapshot) {
            Ok(json) => json,
            Err(error) => return tracing::error!(%error, "federation sessions not serialised"),
        };
        if let Err(error) = postern_durable_fs::write_atomically(&self.path, &json, 0o600) {
            self.dirty.store(true, Ordering::Release);
            tracing::error!(path = %self.path.display(), %error, "federation sessions not written");
        }
    }

    /// The UEM device a cut entry belongs to.
    fn device_of(&self, key: &AccessKey) -> Option<String> {
        match key {
            AccessKey::AppTunnel(key) => Some(key.uem_device_id.to_string()),
            AccessKey::ActiveSync(eas) => self.gateway.uem_device_of(eas),
        }
    }

    /// Whether the device cache still calls `device` compliant (then a cut of one of its
    /// entries, say one tunnel blocked by an administrator, revokes nothing).
    fn still_allowed(&self, device: &str) -> bool {
        CacheDirectory::new(self.gateway.clone()).lookup(device).is_some_and(|record| record.compliant)
    }

    fn on_cut(self: &Arc<Self>, cut: &Cut, at: Instant) {
        let Some(device) = self.device_of(&cut.key) else { return };
        if self.still_allowed(&device) {
            tracing::info!(
                device,
                reason = cut.reason.code(),
                "cut entry's device is still allowed: no session revoked"
            );
            return;
        }
        self.revoke_device(&device, cut.reason.code(), at);
    }

    /// Ends every session of `device`; each pairing's calls run on their own task.
    pub(crate) fn revoke_device(self: &Arc<Self>, device: &str, reason: &str, cut_at: Instant) {
        let taken = lock(&self.store).take_device(device, now());
        if taken.is_empty() {
            return;
        }
        self.dirty.store(true, Ordering::Release);
        tracing::warn!(device, reason, sessions = taken.len(), "federation sessions ended: revoking");
        let mut by_pairing: BTreeMap<String, Vec<IssuedSession>> = BTreeMap::new();
        for session in taken {
            by_pairing.entry(session.pairing.clone()).or_default().push(session);
        }
        for (pairing, sessions) in by_pairing {
            let this = self.clone();
            let (device, reason) = (device.to_owned(), reason.to_owned());
            tokio::spawn(async move { this.revoke_pairing(device, reason, pairing, sessions, cut_at).await });
        }
    }

    async fn revoke_pairing(
        self: Arc<Self>,
        device: String,
        reason: String,
        pairing: String,
        sessions: Vec<IssuedSession>,
        cut_at: Instant,
    ) {
        let job = self.next.fetch_add(1, Ordering::Relaxed);
        lock(&self.in_progress).insert(job, format!("{device}  {pairing}  {} session(s)", sessions.len()));
        let inputs = lock(&self.inputs).clone();
        let mut said =
            vec![format!("device no longer allowed ({reason}): {} session(s) ended at Postern", sessions.len())];
        let mut all_done = true;
        match target(inputs.as_ref(), &pairing) {
            Err(why) => said.push(why),
            Ok(target) => {
                if target.slo_url.is_some() {
                    let (mut ok, mut failed) = (0, Vec::new());
                    for session in &sessions {
                        match revocation_calls::single_logout(&target, session).await {
                            Ok(()) => ok += 1,
                            Err(error) => failed.push(error),
                        }
                    }
                    let outcome = if failed.is_empty() { "ok".to_owned() } else { failed.join("; ") };
                    all_done &= failed.is_empty();
                    said.push(format!("Single Logout {ok}/{}: {outcome}", sessions.len()));
                } else {
                    said.push("Single Logout: the SP has none".into());
                }
                if let Revocation::EntraGraph { .. } = &target.revocation {
                    let mut users: Vec<&str> = sessions.iter().map(|s| s.revocation_user.as_str()).collect();
                    users.sort_unstable();
                    users.dedup();
                    for user in users {
                        match revocation_calls::entra_revoke(&target, user).await {
                            Ok(()) => said.push(format!("entra-graph revokeSignInSessions {user}: ok")),
                            Err(error) => {
                                all_done = false;
                                said.push(format!("entra-graph revokeSignInSessions {user}: {error}"));
                            }
                        }
                    }
                } else {
                    said.push("revocation call: none configured".into());
                }
            }
        }
        let since_cut_ms = u64::try_from(cut_at.elapsed().as_millis()).unwrap_or(u64::MAX);
        let summary = said.join("; ");
        if all_done {
            tracing::warn!(device, pairing, sessions = sessions.len(), since_cut_ms, outcome = %summary, "sessions revoked");
        } else {
            tracing::error!(device, pairing, sessions = sessions.len(), since_cut_ms, outcome = %summary, "session revocation incomplete");
        }
        let time_unix = u64::try_from(now().timestamp()).unwrap_or_default();
        (self.sink)(SignIn {
            id: format!("{:032x}", rand::random::<u128>()),
            time_unix,
            user: sessions.first().map(|s| s.name_id.clone()),
            device: Some(device.clone()),
            app: None,
            pairing: pairing.clone(),
            rule: None,
            result: SignInResult::Revoked,
            reason: crate::sign_ins::report_text(&summary),
            code: Some("device-cut".into()),
        });
        lock(&self.in_progress).remove(&job);
        let mut recent = lock(&self.recent);
        recent.push_front(format!(
            "{}  {device}  {pairing}  ({since_cut_ms} ms after the cut)  {summary}",
            postern_logging::utc_time(time_unix)
        ));
        recent.truncate(RECENT);
    }
}

/// Where a pairing's revocation goes, from the configuration and profile in use.
fn target(inputs: Option<&(Arc<Config>, Option<Arc<Profile>>)>, pairing: &str) -> Result<CallTarget, String> {
    let (config, profile) = inputs.ok_or("the configuration is not known yet")?;
    let profile = profile.as_ref().ok_or("no access profile: nothing more to revoke with")?;
    let found = profile
        .pairings
        .iter()
        .find(|p| p.name == pairing)
        .ok_or_else(|| format!("the pairing is no longer in profile revision {}", profile.revision))?;
    let url = config.accs.federation_url.as_deref().ok_or("no public URL is set (accs federation url)")?;
    let set = postern_federation::profile::federation_set(profile, url).map_err(|e| e.to_string())?;
    Ok(CallTarget {
        local: set.local().clone(),
        slo_url: found.service_provider.slo_url.clone(),
        revocation: found.revocation.clone(),
        ca_file: config.accs.revocation_ca_file.clone(),
    })
}

/// Follows the gateway's cuts until `stop`, and writes the session file when it changed.
pub(crate) async fn run(
    revocations: Arc<Revocations>,
    mut cuts: broadcast::Receiver<Cut>,
    mut stop: watch::Receiver<bool>,
) {
    let mut tick = tokio::time::interval(PERSIST_EVERY);
    loop {
        tokio::select! {
            cut = cuts.recv() => match cut {
                Ok(cut) => revocations.on_cut(&cut, Instant::now()),
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "cuts missed: checking every device with a federation session");
                    let devices = lock(&revocations.store).devices(now());
                    for device in devices {
                        if !revocations.still_allowed(&device) {
                            revocations.revoke_device(&device, "cut-missed", Instant::now());
                        }
                    }
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            _ = tick.tick() => {
                let persisting = revocations.clone();
                let _ = tokio::task::spawn_blocking(move || persisting.persist()).await;
            }
            _ = stop.changed() => break,
        }
    }
    revocations.persist();
}
