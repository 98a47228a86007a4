//! The agents' sessions: a cookie (32 random bytes) per session, the device it belongs
//! to, when it began and was last seen, kept in memory and in a file under the state
//! directory (0600) so that an agent resumes its session across a gateway restart.
//! A session unseen for [`SESSION_EXPIRY_SECS`] expires; a revoked one is forgotten.
//! Only the cookie's SHA-256 is kept, so the file does not hold what an agent presents.
//! The file holds a line per session: `ID SHA256-HEX SINCE LAST-SEEN DEVICE`; it is
//! rewritten (atomically) at most once a second when sessions opened, resumed,
//! disconnected or were revoked ([`Sessions::flush`]), and when posternd stops: a crash
//! loses at most the last second's new sessions, whose agents then start afresh.

use postern_agent_wire::{COOKIE_LEN, Cookie};
use sha2::Digest as _;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, PoisonError};
use tokio::sync::mpsc;

/// How long a session's cookie stays valid after it was last seen.
pub(crate) const SESSION_EXPIRY_SECS: u64 = 24 * 3600;
/// The most sessions kept; the least recently seen goes first.
const MAX_SESSIONS: usize = 100_000;

/// What the gateway pushes to a connected agent.
#[derive(Debug, Clone)]
pub(crate) enum Push {
    /// The protected resources changed.
    Resources,
    /// The session ended for this reason; the connection closes after it.
    Revoked(String),
}

/// One session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Session {
    pub(crate) id: u64,
    pub(crate) device: String,
    pub(crate) since: u64,
    pub(crate) last_seen: u64,
}

/// A connected agent of a session.
struct Live {
    address: SocketAddr,
    push: mpsc::UnboundedSender<Push>,
}

#[derive(Default)]
struct Table {
    next_id: u64,
    /// Changed since the file was last written.
    dirty: bool,
    /// Sessions by the SHA-256 of their cookie.
    by_cookie: HashMap<[u8; 32], Session>,
    live: HashMap<u64, Live>,
}

/// Why a cookie does not resume a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CookieUnknown;

/// The session store.
pub(crate) struct Sessions {
    table: Mutex<Table>,
    file: PathBuf,
    /// Held while the file is written, so that writes do not overtake each other.
    writing: Mutex<()>,
}

/// What a cookie is stored and looked up by.
fn digest(cookie: &Cookie) -> [u8; 32] {
    sha2::Sha256::digest(cookie).into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn unhex(text: &str) -> Option<[u8; 32]> {
    if text.len() != COOKIE_LEN * 2 {
        return None;
    }
    let mut out = [0u8; COOKIE_LEN];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(i * 2..i * 2 + 2)?, 16).ok()?;
    }
    Some(out)
}

impl Sessions {
    /// The sessions saved in `file`, those expired at `now` left out; a line that does not
    /// parse is logged and skipped (the agent then starts a new session).
    pub(crate) fn open(file: PathBuf, now: u64) -> Self {
        // Ids increase from the Unix time in milliseconds at start, so that a session id
        // is not handed out twice even if the file is lost.
        let start = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let mut table = Table { next_id: start, ..Table::default() };
        if let Ok(text) = std::fs::read_to_string(&file) {
            for line in text.lines() {
                // The device id comes last: it may hold spaces, never a line break.
                let fields: Vec<&str> = line.splitn(5, ' ').collect();
                let parsed = match fields.as_slice() {
                    [id, key, since, seen, device] => {
                        (|| Some((id.parse().ok()?, unhex(key)?, device, since.parse().ok()?, seen.parse().ok()?)))()
                    }
                    _ => None,
                };
                let Some((id, key, device, since, last_seen)) = parsed else {
                    tracing::warn!(file = %file.display(), "an agent session line does not parse: skipped");
                    continue;
                };
                table.next_id = table.next_id.max(id + 1);
                if now.saturating_sub(last_seen) < SESSION_EXPIRY_SECS {
                    table.by_cookie.insert(key, Session { id, device: (*device).to_owned(), since, last_seen });
                }
            }
        }
        tracing::info!(sessions = table.by_cookie.len(), file = %file.display(), "agent sessions loaded");
        Self { table: Mutex::new(table), file, writing: Mutex::new(()) }
    }

    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes the sessions to the file if they changed since the last write.
    pub(crate) fn flush(&self) {
        let _writing = self.writing.lock().unwrap_or_else(PoisonError::into_inner);
        let mut table = self.table();
        if !table.dirty {
            return;
        }
        table.dirty = false;
        let mut text = String::new();
        for (key, s) in &table.by_cookie {
            let _ = writeln!(text, "{} {} {} {} {}", s.id, hex(key), s.since, s.last_seen, s.device);
        }
        drop(table);
        if let Some(dir) = self.file.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Err(error) = postern_durable_fs::write_atomically(&self.file, text.as_bytes(), 0o600) {
            tracing::error!(file = %self.file.display(), %error, "agent sessions not saved: agents start new sessions after a restart");
            self.table().dirty = true;
        }
    }

    /// A new session for `device`, connected from `address`; returns it and its cookie.
    pub(crate) fn open_new(
        &self,
        device: &str,
        address: SocketAddr,
        now: u64,
        push: mpsc::UnboundedSender<Push>,
    ) -> (Session, Cookie) {
        let mut cookie = [0u8; COOKIE_LEN];
        rand::RngCore::fill_bytes(&mut rand::rng(), &mut cookie);
        let mut table = self.table();
        table.by_cookie.retain(|_, s| now.saturating_sub(s.last_seen) < SESSION_EXPIRY_SECS);
        if table.by_cookie.len() >= MAX_SESSIONS {
            let oldest = table.by_cookie.iter().min_by_key(|(_, s)| s.last_seen).map(|(c, _)| *c);
            if let Some(oldest) = oldest {
                table.by_cookie.remove(&oldest);
            }
        }
        let id = table.next_id;
        table.next_id += 1;
        let session = Session { id, device: device.to_owned(), since: now, last_seen: now };
        table.by_cookie.insert(digest(&cookie), session.clone());
        table.live.insert(id, Live { address, push });
        table.dirty = true;
        (session, cookie)
    }

    /// Resumes the session of `cookie` if it is `device`'s and unexpired.
    pub(crate) fn resume(
        &self,
        cookie: &Cookie,
        device: &str,
        address: SocketAddr,
        now: u64,
        push: mpsc::UnboundedSender<Push>,
    ) -> Result<Session, CookieUnknown> {
        let mut table = self.table();
        let session = table.by_cookie.get_mut(&digest(cookie)).ok_or(CookieUnknown)?;
        if session.device != device || now.saturating_sub(session.last_seen) >= SESSION_EXPIRY_SECS {
            return Err(CookieUnknown);
        }
        session.last_seen = now;
        let session = session.clone();
        if let Some(old) = table.live.insert(session.id, Live { address, push }) {
            let _ = old.push.send(Push::Revoked("resumed-elsewhere".into()));
        }
        table.dirty = true;
        Ok(session)
    }

    /// Notes that the session's agent was heard from.
    pub(crate) fn seen(&self, cookie: &Cookie, now: u64) {
        if let Some(session) = self.table().by_cookie.get_mut(&digest(cookie)) {
            session.last_seen = now;
        }
    }

    /// The agent of session `id` disconnected (the session stays, to be resumed); its
    /// last-seen time is saved.
    pub(crate) fn disconnected(&self, id: u64, push: &mpsc::UnboundedSender<Push>) {
        let mut table = self.table();
        if table.live.get(&id).is_some_and(|l| l.push.same_channel(push)) {
            table.live.remove(&id);
        }
        table.dirty = true;
    }

    /// Ends every session of `device`: forgotten, and a connected agent told why.
    /// Returns how many there were.
    pub(crate) fn revoke_device(&self, device: &str, reason: &str) -> usize {
        let mut table = self.table();
        let ids: Vec<u64> = table.by_cookie.values().filter(|s| s.device == device).map(|s| s.id).collect();
        table.by_cookie.retain(|_, s| s.device != device);
        for id in &ids {
            if let Some(live) = table.live.remove(id) {
                let _ = live.push.send(Push::Revoked(reason.to_owned()));
            }
        }
        if !ids.is_empty() {
            table.dirty = true;
        }
        ids.len()
    }

    /// Tells every connected agent that the resources changed; returns how many.
    pub(crate) fn push_resources(&self) -> usize {
        let table = self.table();
        table.live.values().filter(|l| l.push.send(Push::Resources).is_ok()).count()
    }

    /// Every session with its agent's address, if connected, ordered by id.
    pub(crate) fn list(&self) -> Vec<(Session, Option<SocketAddr>)> {
        let table = self.table();
        let mut all: Vec<_> =
            table.by_cookie.values().map(|s| (s.clone(), table.live.get(&s.id).map(|l| l.address))).collect();
        all.sort_by_key(|(s, _)| s.id);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    const ADDR: &str = "192.0.2.7:40000";

    fn channel() -> (mpsc::UnboundedSender<Push>, mpsc::UnboundedReceiver<Push>) {
        mpsc::unbounded_channel()
    }

    #[test]
    fn a_cookie_resumes_its_session_after_a_reload_from_the_file() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("agent/sessions");
        let sessions = Sessions::open(file.clone(), 1000);
        let (tx, _rx) = channel();
        let (session, cookie) = sessions.open_new("laptop-1", ADDR.parse().expect("addr"), 1000, tx.clone());
        sessions.disconnected(session.id, &tx);
        sessions.flush();
        assert_eq!(std::fs::metadata(&file).expect("saved").permissions().mode() & 0o777, 0o600);
        let saved = std::fs::read_to_string(&file).expect("saved");
        assert!(!saved.contains(&hex(&cookie)) && saved.contains(&hex(&digest(&cookie))), "only the digest: {saved}");
        let reloaded = Sessions::open(file, 2000);
        let (tx, _rx) = channel();
        let resumed = reloaded.resume(&cookie, "laptop-1", ADDR.parse().expect("addr"), 2000, tx).expect("resumes");
        assert_eq!((resumed.id, resumed.since, resumed.last_seen), (session.id, 1000, 2000));
        let (tx, _rx) = channel();
        let (next, _) = reloaded.open_new("laptop-2", ADDR.parse().expect("addr"), 2000, tx);
        assert!(next.id > session.id, "ids are never reused");
    }

    #[test]
    fn a_cookie_of_another_device_an_expired_or_unknown_one_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sessions = Sessions::open(dir.path().join("sessions"), 0);
        let (tx, _rx) = channel();
        let (_, cookie) = sessions.open_new("laptop-1", ADDR.parse().expect("addr"), 0, tx.clone());
        let addr = ADDR.parse().expect("addr");
        assert_eq!(sessions.resume(&cookie, "laptop-2", addr, 1, tx.clone()), Err(CookieUnknown));
        assert_eq!(sessions.resume(&[0; 32], "laptop-1", addr, 1, tx.clone()), Err(CookieUnknown));
        assert_eq!(sessions.resume(&cookie, "laptop-1", addr, SESSION_EXPIRY_SECS, tx.clone()), Err(CookieUnknown));
        sessions.flush();
        assert!(Sessions::open(dir.path().join("sessions"), SESSION_EXPIRY_SECS).list().is_empty(), "expired on load");
    }

    #[test]
    fn revoking_a_device_forgets_its_sessions_and_tells_its_agent() {
        let dir = tempfile::tempdir().expect("temp dir");
        let sessions = Sessions::open(dir.path().join("sessions"), 0);
        let (tx, mut rx) = channel();
        let (_, cookie) = sessions.open_new("laptop-1", ADDR.parse().expect("addr"), 0, tx.clone());
        let (other, mut other_rx) = channel();
        sessions.open_new("laptop-2", ADDR.parse().expect("addr"), 0, other);
        assert_eq!(sessions.push_resources(), 2);
        assert!(matches!(rx.try_recv(), Ok(Push::Resources)));
        assert_eq!(sessions.revoke_device("laptop-1", "operator-blocked"), 1);
        assert!(matches!(rx.try_recv(), Ok(Push::Revoked(reason)) if reason == "operator-blocked"));
        assert_eq!(sessions.resume(&cookie, "laptop-1", ADDR.parse().expect("addr"), 1, tx), Err(CookieUnknown));
        assert_eq!(sessions.list().len(), 1);
        assert!(matches!(other_rx.try_recv(), Ok(Push::Resources)));
        assert!(other_rx.try_recv().is_err(), "the other device keeps its session");
    }

    #[test]
    fn a_damaged_line_is_skipped() {
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("sessions");
        std::fs::write(&file, format!("7 {} 5 6 laptop 1\nnot a session\n", "ab".repeat(32))).expect("file");
        let sessions = Sessions::open(file, 10);
        assert_eq!(sessions.list()[0].0.device, "laptop 1");
        assert_eq!(sessions.list().len(), 1);
    }
}
