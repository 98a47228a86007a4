//! The sign-in report uploader (A3): while a portal is configured, sends the pending
//! reports oldest first in batches (at most 500, under the API's byte limit) to
//! `POST /api/v1/gateway/sign-ins` with the profile sync's pinned CA and token, and
//! removes them only after the portal's receipt. A failed upload keeps the batch and
//! waits 5 s, doubling to 60 s; an answer that retrying cannot change (400, 401, 403…)
//! waits 60 s. The portal takes each report id once, so a batch sent again after a crash
//! or a lost answer is not counted twice.

use crate::sign_in_reports::{Attempt, SignInReports};
use hyper::StatusCode;
use hyper::header::{AUTHORIZATION, HeaderName};
use postern_access_profile::api::{
    ApiError, MAX_SIGN_IN_BATCH_BYTES, MAX_SIGN_INS_PER_BATCH, SIGN_INS_PATH, SignIn, SignInBatch, SignInReceipt,
};
use postern_config::{AccsSettings, Config};
use postern_durable_queue::Queued;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// The first wait after a failed upload.
const FIRST_BACKOFF: Duration = Duration::from_secs(5);
/// The longest wait between attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// Room left in a batch body for the JSON around the reports.
const ENVELOPE: usize = 1024;

/// What one attempt came to.
enum Sent {
    /// The batch is at the portal (or was set aside): go on at once.
    Done,
    /// Nothing pending.
    Empty,
    /// Failed: wait this long.
    Retry(Duration),
}

/// Runs the uploader until `stop`.
pub(crate) async fn run(
    reports: Arc<SignInReports>,
    mut running: watch::Receiver<Arc<Config>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut settings = running.borrow_and_update().accs.clone();
    let mut backoff = FIRST_BACKOFF;
    let mut batch_limit = MAX_SIGN_INS_PER_BATCH;
    loop {
        let wait = if settings.portal_url.is_none() {
            reports.status().idle =
                Some("no portal is configured (accs portal URL): reports wait on the data area".into());
            None
        } else {
            reports.status().idle = None;
            let sent = tokio::select! {
                sent = upload_one(&reports, &settings, &mut batch_limit) => sent,
                _ = stop.changed() => return,
            };
            match sent {
                Sent::Done => {
                    backoff = FIRST_BACKOFF;
                    continue;
                }
                Sent::Empty => None,
                Sent::Retry(at_least) => {
                    let wait = at_least.max(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    reports.status().next_attempt = Some(reports.now() + wait.as_secs());
                    Some(wait)
                }
            }
        };
        let pause = async {
            match wait {
                Some(wait) => tokio::time::sleep(wait).await,
                None => reports.queued.notified().await,
            }
        };
        tokio::select! {
            () = pause => {}
            changed = running.changed() => {
                if changed.is_err() {
                    return;
                }
                let now = running.borrow_and_update().accs.clone();
                if now != settings {
                    // New portal settings: try them at once.
                    settings = now;
                    backoff = FIRST_BACKOFF;
                    batch_limit = MAX_SIGN_INS_PER_BATCH;
                }
            }
            _ = stop.changed() => return,
        }
    }
}

/// Sends the oldest pending batch.
async fn upload_one(reports: &SignInReports, settings: &AccsSettings, batch_limit: &mut usize) -> Sent {
    let Ok(queue) = &reports.queue else { return Sent::Empty };
    let batch = match queue.peek(*batch_limit, MAX_SIGN_IN_BATCH_BYTES - ENVELOPE) {
        Ok(batch) => batch,
        Err(error) => {
            tracing::error!(%error, "sign-in report queue unreadable");
            return record(reports, Err(format!("the report queue is unreadable: {error}")), MAX_BACKOFF);
        }
    };
    let Some(last) = batch.last().map(|q| q.seq) else { return Sent::Empty };
    let Some(sign_ins) = set_aside_refused(reports, batch) else {
        return record(reports, Err("a refused report could not be set aside".into()), MAX_BACKOFF);
    };
    let count = sign_ins.len();
    let outcome = if sign_ins.is_empty() { Ok(None) } else { send(settings, SignInBatch { sign_ins }).await };
    match outcome {
        Ok(receipt) => {
            if let Err(error) = queue.ack_through(last) {
                tracing::error!(%error, "uploaded sign-in reports stay queued: they are sent again (the portal ignores repeats)");
            }
            *batch_limit = MAX_SIGN_INS_PER_BATCH;
            let Some(receipt) = receipt else { return Sent::Done };
            let done = format!(
                "{count} reports sent ({} new, {} already at the portal)",
                receipt.accepted, receipt.duplicates
            );
            tracing::info!(
                count,
                accepted = receipt.accepted,
                duplicates = receipt.duplicates,
                pending = queue.len(),
                "sign-in reports uploaded"
            );
            let mut status = reports.status();
            let attempt = Attempt { at: reports.now(), outcome: Ok(done) };
            status.last_success = Some(attempt.clone());
            status.last_attempt = Some(attempt);
            status.next_attempt = None;
            Sent::Done
        }
        Err(Failure { reason, wait, too_large }) => {
            if too_large {
                *batch_limit = (count / 2).max(1);
            }
            tracing::warn!(count, %reason, retry_in_secs = wait.as_secs(), "sign-in report upload failed; the batch is kept");
            record(reports, Err(reason), wait)
        }
    }
}

fn record(reports: &SignInReports, outcome: Result<String, String>, wait: Duration) -> Sent {
    reports.status().last_attempt = Some(Attempt { at: reports.now(), outcome });
    Sent::Retry(wait)
}

/// The batch's reports that pass the API's checks; the others are set aside. `None` if
/// one could not be set aside (the batch then stays pending).
fn set_aside_refused(reports: &SignInReports, batch: Vec<Queued<SignIn>>) -> Option<Vec<SignIn>> {
    let mut good = Vec::with_capacity(batch.len());
    for Queued { item, .. } in batch {
        let alone = SignInBatch { sign_ins: vec![item] };
        match alone.validate() {
            Ok(()) => good.extend(alone.sign_ins),
            Err(problems) => {
                let item = alone.sign_ins.into_iter().next()?;
                if !reports.set_aside(&item, &problems.to_string()) {
                    return None;
                }
            }
        }
    }
    Some(good)
}

struct Failure {
    reason: String,
    wait: Duration,
    too_large: bool,
}

impl Failure {
    fn new(reason: String, wait: Duration) -> Self {
        Self { reason, wait, too_large: false }
    }
}

/// POSTs `batch` and reads the receipt.
async fn send(settings: &AccsSettings, batch: SignInBatch) -> Result<Option<SignInReceipt>, Failure> {
    let (Some(portal), Some(ca_file)) = (&settings.portal_url, &settings.ca_file) else {
        return Err(Failure::new("no portal is configured (accs portal, accs ca-file)".into(), MAX_BACKOFF));
    };
    let token = crate::accs_sync::read_token(settings).map_err(|reason| Failure::new(reason, MAX_BACKOFF))?;
    let url = format!("{}{SIGN_INS_PATH}", portal.trim_end_matches('/'));
    let body = serde_json::to_vec(&batch).map_err(|e| Failure::new(e.to_string(), MAX_BACKOFF))?;
    let headers: [(HeaderName, String); 1] = [(AUTHORIZATION, format!("Bearer {token}"))];
    let answer = crate::https_client::exchange(
        hyper::Method::POST,
        &url,
        ca_file,
        &headers,
        Some(("application/json", body)),
        64 * 1024,
    )
    .await;
    let (status, _, body) = answer.map_err(|reason| Failure::new(reason, FIRST_BACKOFF))?;
    let said = || serde_json::from_slice::<ApiError>(&body).map(|e| format!(": {}", e.message)).unwrap_or_default();
    match status {
        StatusCode::OK => serde_json::from_slice(&body).map(Some).map_err(|e| {
            Failure::new(format!("the portal's receipt is not readable ({e}); the batch is sent again"), FIRST_BACKOFF)
        }),
        StatusCode::UNAUTHORIZED => Err(Failure::new(
            "the portal refused the gateway's token (401): check accs token-file and the portal's gateway tokens"
                .into(),
            MAX_BACKOFF,
        )),
        StatusCode::BAD_REQUEST => Err(Failure::new(
            format!("the portal refused the batch as malformed (400){}; it is kept and sent again", said()),
            MAX_BACKOFF,
        )),
        StatusCode::PAYLOAD_TOO_LARGE => Err(Failure {
            reason: format!("the portal found the batch too large (413){}; smaller batches follow", said()),
            wait: FIRST_BACKOFF,
            too_large: true,
        }),
        s if s.is_client_error() && s != StatusCode::REQUEST_TIMEOUT && s != StatusCode::TOO_MANY_REQUESTS => {
            Err(Failure::new(format!("the portal answered {s}{}", said()), MAX_BACKOFF))
        }
        s => Err(Failure::new(format!("the portal answered {s}{}", said()), FIRST_BACKOFF)),
    }
}
