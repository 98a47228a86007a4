//! The remediation webhook (H6): every failed check of an assessment becomes one JSON
//! POST to the configured HTTPS URL (trusting only its pinned CA), sent in order and
//! retried with back-off until the receiver answers 2xx or the attempts run out. Checks
//! wait in a durable queue on the data area, so a restart resumes them.

use postern_config::Config;
use postern_durable_queue::DurableQueue;
use postern_host_checker::Decision;
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// Attempts per failed check.
const ATTEMPTS: u32 = 8;
/// The first wait before a retry; each retry doubles it (1, 2, 4 … 64 s).
const FIRST_BACKOFF: Duration = Duration::from_secs(1);

/// One failed check, as POSTed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct FailedCheck {
    /// The device (its certificate identity).
    pub(crate) device: String,
    /// Where the collector connected from.
    pub(crate) peer: SocketAddr,
    /// When the assessment was decided (Unix seconds).
    pub(crate) at: u64,
    /// The policy.
    pub(crate) policy: String,
    /// The check, e.g. `required:openssl`.
    pub(crate) check: String,
    /// Why it failed.
    pub(crate) reason: String,
    /// What to do and where to get the fix.
    pub(crate) remediation: Option<String>,
}

/// Where failed checks are handed to the sender.
#[derive(Clone)]
pub(crate) struct RemediationHook {
    /// `None` when the queue's directory could not be opened (logged): checks are then
    /// not sent.
    queue: Option<Arc<DurableQueue<FailedCheck>>>,
    queued: Arc<Notify>,
    /// Whether a webhook is configured: without one, failed checks are not queued.
    configured: Arc<AtomicBool>,
}

/// The failed checks queued, for the sender to start on once the running
/// configuration can be followed.
pub(crate) struct Pending(RemediationHook);

impl Pending {
    /// Starts the sender, which follows the running configuration's webhook settings.
    pub(crate) fn send(self, running: watch::Receiver<Arc<Config>>, stop: watch::Receiver<bool>) {
        let (configured, mut follow) = (self.0.configured.clone(), running.clone());
        tokio::spawn(async move {
            loop {
                let url = follow.borrow_and_update().host_checker.remediation_webhook_url.is_some();
                configured.store(url, Ordering::Relaxed);
                if follow.changed().await.is_err() {
                    return;
                }
            }
        });
        tokio::spawn(send_all(self.0, running, stop));
    }
}

impl RemediationHook {
    /// The hook and its queue, kept in `dir` (the checks a previous run left are sent
    /// first); `configured` says whether the configuration at start names a webhook.
    pub(crate) fn open(dir: &std::path::Path, configured: bool) -> (Self, Pending) {
        let queue = match crate::remediation_queue::open(dir) {
            Ok(queue) => Some(Arc::new(queue)),
            Err(error) => {
                tracing::error!(dir = %dir.display(), %error, "remediation webhook queue unavailable: failed checks are not sent");
                None
            }
        };
        let pending = queue.as_ref().map_or(0, |q| q.len());
        if pending > 0 {
            tracing::info!(pending, "remediation webhook checks resumed");
        }
        let hook = Self { queue, queued: Arc::new(Notify::new()), configured: Arc::new(AtomicBool::new(configured)) };
        (hook.clone(), Pending(hook))
    }

    /// Queues every failed check of `decision`; nothing while no webhook is configured.
    pub(crate) fn failed(&self, device: &str, peer: SocketAddr, at: u64, decision: &Decision) {
        let Some(queue) = self.queue.as_ref().filter(|_| self.configured.load(Ordering::Relaxed)) else {
            return;
        };
        for outcome in decision.outcomes.iter().filter(|o| !o.passed) {
            let check = FailedCheck {
                device: device.to_owned(),
                peer,
                at,
                policy: outcome.policy.clone(),
                check: outcome.check.clone(),
                reason: outcome.reason.clone(),
                remediation: outcome.remediation.clone(),
            };
            if let Err(error) = queue.push(&check) {
                tracing::error!(device = %check.device, check = %check.check, %error, "webhook check not queued: not sent");
            }
        }
        self.queued.notify_one();
    }
}

fn target(running: &watch::Receiver<Arc<Config>>) -> Option<(String, PathBuf)> {
    let settings = &running.borrow().host_checker;
    Some((settings.remediation_webhook_url.clone()?, settings.remediation_webhook_ca_file.clone()?))
}

async fn send_all(hook: RemediationHook, running: watch::Receiver<Arc<Config>>, mut stop: watch::Receiver<bool>) {
    let Some(queue) = hook.queue.clone() else { return };
    loop {
        let front = match queue.peek(1, usize::MAX) {
            Ok(front) => front.into_iter().next(),
            Err(error) => {
                tracing::error!(%error, "remediation webhook queue unreadable; trying again in a minute");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(60)) => continue,
                    _ = stop.changed() => return,
                }
            }
        };
        let Some(front) = front else {
            tokio::select! {
                () = hook.queued.notified() => continue,
                _ = stop.changed() => return,
            }
        };
        if !deliver(&front.item, &running, &mut stop).await {
            return;
        }
        if let Err(error) = queue.ack_through(front.seq) {
            tracing::error!(seq = front.seq, %error, "a sent webhook check stays queued: it is sent again");
        }
    }
}

/// Sends one check with its retries; `false` when the gateway stops first (the check
/// stays queued for the next start).
async fn deliver(
    check: &FailedCheck,
    running: &watch::Receiver<Arc<Config>>,
    stop: &mut watch::Receiver<bool>,
) -> bool {
    let body = match serde_json::to_vec(check) {
        Ok(body) => body,
        Err(error) => {
            tracing::error!(%error, "a failed check could not be written as JSON");
            return true;
        }
    };
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        // Read at every attempt: a commit changes the receiver at once.
        let Some((url, ca_file)) = target(running) else { return true };
        let sent = crate::https_client::request(
            hyper::Method::POST,
            &url,
            &ca_file,
            Some(("application/json", body.clone())),
            64 * 1024,
        )
        .await;
        let error = match sent {
            Ok((status, _)) if status.is_success() => {
                tracing::info!(device = %check.device, check = %check.check, %url, attempt, "remediation webhook sent");
                return true;
            }
            Ok((status, _)) => format!("the receiver answered {status}"),
            Err(error) => error,
        };
        if attempt == ATTEMPTS {
            tracing::error!(device = %check.device, check = %check.check, %url, %error, attempts = ATTEMPTS, "remediation webhook gave up");
            return true;
        }
        tracing::warn!(device = %check.device, check = %check.check, %url, attempt, %error, retry_in_secs = backoff.as_secs(), "remediation webhook failed; retrying");
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            _ = stop.changed() => return false,
        }
        backoff *= 2;
    }
    true
}
