//! Sign-in reports (A3): every sign-in through the federation listener is appended to a
//! durable queue on the data area (`accs/sign-ins`) before [`SignInReports::record`]
//! returns, and [`crate::sign_in_upload`] sends the queue to the portal in batches.
//! Reports that fail the portal API's own checks are set aside in `accs/sign-ins/refused`
//! (kept, counted, shown), so one bad report never holds back the others.

use postern_access_profile::api::SignIn;
use postern_durable_queue::{Bounds, DurableQueue};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use tokio::sync::Notify;

/// Reports kept while the portal cannot take them; beyond, the oldest are dropped.
pub(crate) const BOUNDS: Bounds = Bounds::new(100_000, 64 * 1024 * 1024);
/// Reports set aside as refused; beyond, the oldest of them are dropped.
const REFUSED_BOUNDS: Bounds = Bounds::new(10_000, 8 * 1024 * 1024);

/// One upload attempt and what came of it.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub(crate) at: u64,
    pub(crate) outcome: Result<String, String>,
}

/// The uploader's history, for `show accs reports`.
#[derive(Debug, Clone, Default)]
pub(crate) struct UploadStatus {
    pub(crate) last_attempt: Option<Attempt>,
    pub(crate) last_success: Option<Attempt>,
    pub(crate) next_attempt: Option<u64>,
    /// Why nothing is uploaded, when that is not a failure (no portal configured).
    pub(crate) idle: Option<String>,
}

/// The queue of sign-in reports and its uploader's status.
pub(crate) struct SignInReports {
    /// `Err` when the queue's directory could not be opened (nothing is kept then).
    pub(crate) queue: Result<DurableQueue<SignIn>, String>,
    pub(crate) refused: Result<DurableQueue<SignIn>, String>,
    /// Wakes the uploader when a report is queued.
    pub(crate) queued: Notify,
    pub(crate) status: Mutex<UploadStatus>,
    /// Failed sign-ins counted, not reported, since start (a source over its bound:
    /// [`crate::sign_in_failures`]).
    pub(crate) suppressed: AtomicU64,
    clock: fn() -> u64,
}

impl SignInReports {
    /// Opens the queue in `dir` (`STATE_DIR/accs/sign-ins`); what an earlier run left
    /// pending is uploaded first.
    pub(crate) fn open(dir: &Path, clock: fn() -> u64) -> Self {
        let queue = DurableQueue::open(dir, BOUNDS).map_err(|error| {
            tracing::error!(dir = %dir.display(), %error, "sign-in report queue unavailable: sign-ins are not reported");
            error.to_string()
        });
        let refused = DurableQueue::open(&dir.join("refused"), REFUSED_BOUNDS).map_err(|error| {
            tracing::error!(dir = %dir.display(), %error, "refused sign-in reports cannot be set aside");
            error.to_string()
        });
        if let Ok(queue) = &queue {
            let stats = queue.stats();
            if stats.pending > 0 {
                tracing::info!(pending = stats.pending, dropped = stats.dropped, "sign-in reports resumed");
            }
        }
        Self {
            queue,
            refused,
            queued: Notify::new(),
            status: Mutex::new(UploadStatus::default()),
            suppressed: AtomicU64::new(0),
            clock,
        }
    }

    /// Keeps `sign_in` on the data area (flushed before this returns) for the uploader.
    pub(crate) fn record(&self, sign_in: SignIn) {
        let Ok(queue) = &self.queue else {
            tracing::error!(id = %sign_in.id, pairing = %sign_in.pairing, "sign-in not reported: the report queue is unavailable");
            return;
        };
        match queue.push(&sign_in) {
            Ok(_) => self.queued.notify_one(),
            Err(error) => {
                tracing::error!(id = %sign_in.id, pairing = %sign_in.pairing, %error, "sign-in not reported: it could not be kept")
            }
        }
    }

    /// Sets `sign_in` aside as refused by the API's checks; `false` if it could not be kept.
    pub(crate) fn set_aside(&self, sign_in: &SignIn, reason: &str) -> bool {
        let Ok(refused) = &self.refused else { return false };
        match refused.push(sign_in) {
            Ok(_) => {
                tracing::error!(id = %sign_in.id, %reason, "sign-in report set aside: the portal API would refuse it");
                true
            }
            Err(error) => {
                tracing::error!(id = %sign_in.id, %reason, %error, "a refused sign-in report could not be set aside: it stays pending");
                false
            }
        }
    }

    pub(crate) fn status(&self) -> std::sync::MutexGuard<'_, UploadStatus> {
        self.status.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn now(&self) -> u64 {
        (self.clock)()
    }

    /// `show accs reports`.
    pub(crate) fn render(&self) -> String {
        let now = self.now();
        let when = |at: u64| postern_logging::human_time(at, now);
        let mut out = String::new();
        let queue = match &self.queue {
            Ok(queue) => queue,
            Err(error) => return format!("Sign-in reports: NOT KEPT, the queue is unavailable: {error}\n"),
        };
        let stats = queue.stats();
        let oldest = queue.peek(1, usize::MAX).ok().and_then(|q| q.into_iter().next());
        let _ = write!(out, "Sign-in reports: {} pending ({} bytes)", stats.pending, stats.bytes);
        let _ = match oldest {
            Some(q) => writeln!(out, ", the oldest from {}", when(q.item.time_unix)),
            None => writeln!(out),
        };
        let bounds = queue.bounds();
        let _ = writeln!(
            out,
            "Bound: {} reports or {} MiB (then the oldest are dropped); dropped so far: {}",
            bounds.records,
            bounds.bytes / (1024 * 1024),
            stats.dropped
        );
        let _ = match &self.refused {
            Ok(refused) => writeln!(out, "Set aside (the portal API would refuse them): {}", refused.len()),
            Err(error) => writeln!(out, "Set aside: unavailable: {error}"),
        };
        let _ = writeln!(
            out,
            "Failed sign-ins not reported (over {} a minute from one source): {} since start",
            crate::sign_in_failures::FAILURES_PER_SOURCE_PER_MINUTE,
            self.suppressed.load(Ordering::Relaxed)
        );
        let status = self.status().clone();
        if let Some(idle) = &status.idle {
            let _ = writeln!(out, "Uploads: none: {idle}");
        }
        let _ = match &status.last_attempt {
            Some(Attempt { at, outcome: Ok(what) }) => writeln!(out, "Last upload attempt: {}: {what}", when(*at)),
            Some(Attempt { at, outcome: Err(why) }) => {
                writeln!(out, "Last upload attempt: {} FAILED: {why}", when(*at))
            }
            None => writeln!(out, "Last upload attempt: none since start"),
        };
        let _ = match &status.last_success {
            Some(Attempt { at, outcome: Ok(what) }) => writeln!(out, "Last success: {}: {what}", when(*at)),
            _ => writeln!(out, "Last success: none since start"),
        };
        if let Some(next) = status.next_attempt.filter(|_| stats.pending > 0) {
            let _ = writeln!(out, "Next attempt: {}", when(next));
        }
        out
    }

    /// The line of `show accs` about the reports.
    pub(crate) fn summary(&self) -> String {
        let Ok(queue) = &self.queue else { return "Sign-in reports: NOT KEPT (see show accs reports)\n".into() };
        let stats = queue.stats();
        let status = self.status().clone();
        let last = match &status.last_attempt {
            None => "none since start".to_owned(),
            Some(a) => {
                let at = postern_logging::human_time(a.at, self.now());
                if a.outcome.is_ok() { format!("{at} ok") } else { format!("{at} FAILED") }
            }
        };
        format!(
            "Sign-in reports: {} pending, {} dropped; last upload: {last} (show accs reports)\n",
            stats.pending, stats.dropped
        )
    }
}

#[cfg(test)]
mod tests {
    use super::SignInReports;
    use postern_access_profile::api::{SignIn, SignInResult};

    fn sign_in(id: &str, time_unix: u64) -> SignIn {
        SignIn {
            id: id.into(),
            time_unix,
            user: Some("ana@example.com".into()),
            device: None,
            app: None,
            pairing: "crm".into(),
            rule: None,
            result: SignInResult::Denied,
            reason: Some("not compliant".into()),
            code: Some("denied-by-rule".into()),
        }
    }

    #[test]
    fn recorded_reports_are_kept_across_a_reopen_and_shown() {
        let dir = tempfile::tempdir().expect("temp dir");
        let reports = SignInReports::open(dir.path(), || 1_700_000_100);
        reports.record(sign_in("a", 1_700_000_000));
        reports.record(sign_in("b", 1_700_000_050));
        assert!(reports.set_aside(&sign_in("bad", 1), "pairing: must not be empty"));
        drop(reports);

        let reports = SignInReports::open(dir.path(), || 1_700_000_100);
        let shown = reports.render();
        assert!(shown.starts_with("Sign-in reports: 2 pending ("), "{shown}");
        assert!(shown.contains("the oldest from 2023-11-14 22:13:20 UTC (1 min ago)"), "{shown}");
        assert!(shown.contains("Set aside (the portal API would refuse them): 1"), "{shown}");
        assert!(shown.contains("Last upload attempt: none since start"), "{shown}");
        assert_eq!(
            reports.summary(),
            "Sign-in reports: 2 pending, 0 dropped; last upload: none since start (show accs reports)\n"
        );
    }

    #[test]
    fn a_queue_that_cannot_be_opened_is_said_so() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("not-a-directory");
        std::fs::write(&file, b"x").expect("file");
        let reports = SignInReports::open(&file, || 0);
        reports.record(sign_in("a", 1));
        assert!(reports.render().starts_with("Sign-in reports: NOT KEPT, the queue is unavailable: "));
        assert!(reports.summary().contains("NOT KEPT"));
    }
}
