//! Portal sync (A1, A2): fetches the access profile from the administrative portal over
//! HTTPS (the portal's CA pinned, the gateway's bearer token, `If-None-Match` so an
//! unchanged profile costs a `304`) at start, every `accs sync-interval`, at once after a
//! commit that changes the `accs` settings, and on `accs config-fetch update`.

use crate::accs_store::AccsStore;
use crate::sign_in_reports::SignInReports;
use hyper::header::{AUTHORIZATION, ETAG, HeaderName, IF_NONE_MATCH};
use postern_access_profile::api::{ApiError, PROFILE_PATH};
use postern_cli_commands::AccsControl;
use postern_config::{AccsSettings, Config};
use std::io::Read;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Longest token file read.
const TOKEN_MAX: u64 = 4096;
/// Longest a forced fetch waits for its turn and its result.
const FORCED_WAIT: Duration = Duration::from_secs(90);

type Reply = std::sync::mpsc::SyncSender<Result<String, String>>;

/// The CLI's handle on the sync.
pub(crate) struct AccsSync {
    store: Arc<AccsStore>,
    reports: Arc<SignInReports>,
    federation: Arc<crate::federation::FederationPlane>,
    requests: mpsc::Sender<Reply>,
}

impl AccsSync {
    /// The handle (showing `federation`'s state and the sign-in reports too), and the
    /// receiver of its forced fetches for [`run`].
    pub(crate) fn new(
        store: Arc<AccsStore>,
        reports: Arc<SignInReports>,
        federation: Arc<crate::federation::FederationPlane>,
    ) -> (Self, mpsc::Receiver<Reply>) {
        let (requests, receiver) = mpsc::channel(8);
        (Self { store, reports, federation, requests }, receiver)
    }
}

impl AccsControl for AccsSync {
    fn fetch_now(&self) -> Result<String, String> {
        let (reply, answer) = std::sync::mpsc::sync_channel(1);
        self.requests.try_send(reply).map_err(|e| match e {
            mpsc::error::TrySendError::Full(_) => "other fetches are waiting; try again in a moment".to_owned(),
            mpsc::error::TrySendError::Closed(_) => "the portal sync is not running".to_owned(),
        })?;
        match answer.recv_timeout(FORCED_WAIT) {
            Ok(outcome) => outcome,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                Err("the portal sync stopped before answering".into())
            }
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                Err(format!("no result within {} s", FORCED_WAIT.as_secs()))
            }
        }
    }

    fn status(&self) -> String {
        self.store.render() + &self.federation.render() + &self.reports.summary()
    }

    fn reports(&self) -> String {
        self.reports.render()
    }

    fn serves_federation(&self) -> bool {
        crate::federation::SERVED
    }

    fn sessions(&self) -> String {
        self.federation.sessions()
    }
}

pub(crate) fn read_token(settings: &AccsSettings) -> Result<String, String> {
    let path = settings.token_file.as_ref().ok_or("no token file is configured (accs token-file)")?;
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(TOKEN_MAX).read_to_string(&mut text))
        .map_err(|e| format!("reading the token file {}: {e}", path.display()))?;
    let token = text.trim();
    if token.is_empty() || token.chars().any(|c| !c.is_ascii_graphic()) {
        return Err(format!("the token file {} holds no usable token (one line of printable ASCII)", path.display()));
    }
    Ok(token.to_owned())
}

/// One fetch with `settings`: a new profile is offered to the store.
async fn fetch_once(store: &AccsStore, settings: &AccsSettings) -> Result<String, String> {
    let (Some(portal), Some(ca_file)) = (&settings.portal_url, &settings.ca_file) else {
        return Err("no portal is configured (accs portal, accs ca-file)".into());
    };
    let url = format!("{}{PROFILE_PATH}", portal.trim_end_matches('/'));
    let mut headers: Vec<(HeaderName, String)> = vec![(AUTHORIZATION, format!("Bearer {}", read_token(settings)?))];
    if let Some(etag) = store.etag() {
        headers.push((IF_NONE_MATCH, etag));
    }
    let limit = postern_access_profile::MAX_PROFILE_BYTES;
    let (status, answer_headers, body) =
        crate::https_client::exchange(hyper::Method::GET, &url, ca_file, &headers, None, limit).await?;
    match status {
        hyper::StatusCode::OK => {
            let etag = answer_headers.get(ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
            store.offer(&body, etag)
        }
        hyper::StatusCode::NOT_MODIFIED => Ok(format!(
            "Profile revision {} is unchanged at the portal.",
            store.revision().map_or_else(|| "?".into(), |r| r.to_string())
        )),
        hyper::StatusCode::UNAUTHORIZED => {
            Err("the portal refused the gateway's token (401): check accs token-file and the portal's gateway tokens"
                .into())
        }
        other => {
            let said =
                serde_json::from_slice::<ApiError>(&body).map(|e| format!(": {}", e.message)).unwrap_or_default();
            Err(format!("the portal answered {other}{said}"))
        }
    }
}

/// Fetches with the running settings and records the result.
async fn sync(store: &AccsStore, settings: &AccsSettings) -> Result<String, String> {
    let outcome = fetch_once(store, settings).await;
    let url = settings.portal_url.clone().unwrap_or_default();
    match &outcome {
        Ok(done) => tracing::info!(%url, outcome = %done, "portal sync"),
        Err(reason) => tracing::warn!(%url, %reason, "portal sync failed; the profile in use is kept"),
    }
    store.record(&url, outcome.clone());
    outcome
}

/// Runs the sync until `stop`.
pub(crate) async fn run(
    store: Arc<AccsStore>,
    mut running: watch::Receiver<Arc<Config>>,
    mut forced: mpsc::Receiver<Reply>,
    mut stop: watch::Receiver<bool>,
) {
    let mut settings = running.borrow_and_update().accs.clone();
    let mut next = tokio::time::Instant::now();
    loop {
        tokio::select! {
            () = tokio::time::sleep_until(next) => {
                if settings.portal_url.is_some() {
                    tokio::select! {
                        _ = sync(&store, &settings) => {}
                        _ = stop.changed() => return,
                    }
                }
                next = tokio::time::Instant::now() + Duration::from_secs(settings.sync_interval_secs.into());
            }
            changed = running.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = running.borrow_and_update().accs.clone();
                if now != settings {
                    settings = now;
                    next = tokio::time::Instant::now();
                }
            }
            Some(reply) = forced.recv() => {
                let outcome = tokio::select! {
                    outcome = sync(&store, &settings) => outcome,
                    _ = stop.changed() => return,
                };
                let _ = reply.send(outcome);
                next = tokio::time::Instant::now() + Duration::from_secs(settings.sync_interval_secs.into());
            }
            _ = stop.changed() => return,
        }
    }
}
