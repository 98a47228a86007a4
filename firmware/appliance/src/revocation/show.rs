//! `show accs sessions`: the live sessions and the revocations (A5).

use super::{Revocations, lock, now};
use postern_federation::sessions::{SESSION_CAPACITY, SESSION_RECORD_LIFETIME};

impl Revocations {
    /// `show accs sessions`.
    pub(crate) fn render(&self) -> String {
        let now = now();
        let store = lock(&self.store);
        let live = store.live(now);
        let mut out = format!(
            "Federation sessions: {} live (kept {} h after issue, at most {}; revoked when their device is cut)\n",
            live.len(),
            SESSION_RECORD_LIFETIME.num_hours(),
            SESSION_CAPACITY
        );
        for s in live {
            out.push_str(&format!(
                "  {}  device {}  user {}  issued {}  session {}\n",
                s.pairing,
                s.device_id,
                s.name_id,
                postern_logging::utc_time(u64::try_from(s.issued_unix).unwrap_or_default()),
                s.session_index
            ));
        }
        drop(store);
        let in_progress = lock(&self.in_progress);
        out.push_str(&format!("Revocations in progress: {}\n", in_progress.len()));
        for job in in_progress.values() {
            out.push_str(&format!("  {job}\n"));
        }
        drop(in_progress);
        let recent = lock(&self.recent);
        if recent.is_empty() {
            out.push_str("Revocations since start: none\n");
        } else {
            out.push_str("Revocations since start (newest first):\n");
            for line in recent.iter() {
                out.push_str(&format!("  {line}\n"));
            }
        }
        out
    }
}
