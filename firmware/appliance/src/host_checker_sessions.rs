//! The collectors connected now, for `show host-checker sessions`: device, address,
//! since when, and the last check of the session.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

struct Session {
    device: String,
    peer: SocketAddr,
    since: u64,
    last_check: Option<(u64, &'static str)>,
    rechecks: u32,
    auth: String,
}

/// Every open PT-TLS session.
#[derive(Default)]
pub(crate) struct Sessions {
    next: AtomicU64,
    live: Mutex<BTreeMap<u64, Session>>,
}

/// One open session; dropping it removes it from the table.
pub(crate) struct SessionEntry {
    sessions: Arc<Sessions>,
    id: u64,
}

impl Sessions {
    fn lock(&self) -> MutexGuard<'_, BTreeMap<u64, Session>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Enters a session of `device` from `peer` opened at `now` (Unix seconds), so far
    /// authenticated by `auth`.
    pub(crate) fn open(self: &Arc<Self>, device: &str, peer: SocketAddr, now: u64, auth: &str) -> SessionEntry {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let session = Session {
            device: device.to_owned(),
            peer,
            since: now,
            last_check: None,
            rechecks: 0,
            auth: auth.to_owned(),
        };
        self.lock().insert(id, session);
        SessionEntry { sessions: self.clone(), id }
    }

    /// The table of `show host-checker sessions`.
    pub(crate) fn render(&self, now: u64) -> String {
        let live = self.lock();
        let mut out = format!("{} collector session(s) open\n", live.len());
        let _ = writeln!(
            out,
            "{:<24} {:<22} {:>9} {:>11} {:<14} {:>9}  auth",
            "device", "address", "since (s)", "checked (s)", "last result", "rechecks"
        );
        for s in live.values() {
            let (checked, result) = match s.last_check {
                Some((at, result)) => (now.saturating_sub(at).to_string(), result),
                None => ("-".to_owned(), "in progress"),
            };
            let _ = writeln!(
                out,
                "{:<24} {:<22} {:>9} {:>11} {:<14} {:>9}  {}",
                s.device,
                s.peer.to_string(),
                now.saturating_sub(s.since),
                checked,
                result,
                s.rechecks,
                s.auth
            );
        }
        out
    }
}

impl SessionEntry {
    /// Notes a check of this session at `now` with its result label.
    pub(crate) fn checked(&self, now: u64, result: &'static str) {
        if let Some(s) = self.sessions.lock().get_mut(&self.id) {
            s.last_check = Some((now, result));
        }
    }

    /// Notes how the session authenticated once SASL succeeded; a session without a
    /// certificate is named by its user from then on.
    pub(crate) fn authenticated(&self, auth: &str, user_only: Option<&str>) {
        if let Some(s) = self.sessions.lock().get_mut(&self.id) {
            s.auth = auth.to_owned();
            if let Some(user) = user_only {
                s.device = format!("sasl:{user}");
            }
        }
    }

    /// Notes a re-check the gateway asked for.
    pub(crate) fn rechecked(&self) {
        if let Some(s) = self.sessions.lock().get_mut(&self.id) {
            s.rechecks += 1;
        }
    }
}

impl Drop for SessionEntry {
    fn drop(&mut self) {
        self.sessions.lock().remove(&self.id);
    }
}
