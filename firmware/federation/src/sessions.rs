//! The sessions Postern issued (A5), sans-IO: one record per Response Postern sent to an
//! SP for an identified device, so that the sessions of a device that turns non-compliant
//! can be revoked (Single Logout to the SP, a revocation call for the user). Bounded; each
//! record expires [`SESSION_RECORD_LIFETIME`] after its issue.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How long a session is remembered after Postern issued it. An SP decides how long its
/// own session lasts and does not say; a working day covers the common SP sessions.
pub const SESSION_RECORD_LIFETIME: TimeDelta = TimeDelta::hours(12);
/// At most this many sessions are remembered at once (the whole store is written to a
/// file when it changes: 20 000 sessions are about 8 MB of JSON).
pub const SESSION_CAPACITY: usize = 20_000;

/// The SAML attribute Microsoft Entra ID puts the user's object id in; when the IdP's
/// assertion has it, revocation calls name the user by it, otherwise by the NameID.
pub const ENTRA_OBJECT_ID_ATTRIBUTE: &str = "http://schemas.microsoft.com/identity/claims/objectidentifier";

/// One session Postern issued to an SP.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedSession {
    /// The SessionIndex of Postern's assertion (its id), unique per session.
    pub session_index: String,
    /// The pairing signed in to.
    pub pairing: String,
    /// The UEM device the sign-in was bound to.
    pub device_id: String,
    /// The user's NameID, as Postern passed it to the SP.
    pub name_id: String,
    /// The NameID's Format, when given.
    pub name_id_format: Option<String>,
    /// How a revocation call names the user: the Entra object id, else the NameID.
    pub revocation_user: String,
    /// When Postern issued it, in seconds since the Unix epoch.
    pub issued_unix: i64,
    /// When Postern's assertion stopped being acceptable (its NotOnOrAfter).
    pub assertion_not_on_or_after_unix: i64,
    /// When the record is forgotten.
    pub expires_unix: i64,
}

/// What an insert did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    /// Recorded.
    Kept,
    /// Recorded, but the store was full of live sessions: this older one was forgotten
    /// (it can no longer be revoked).
    Displaced(Box<IssuedSession>),
}

/// The sessions Postern issued, by SessionIndex, at most `capacity`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionStore {
    capacity: usize,
    sessions: BTreeMap<String, IssuedSession>,
}

impl Default for SessionStore {
    fn default() -> Self {
        Self::new()
    }
}

impl SessionStore {
    /// An empty store with the documented bound.
    pub fn new() -> Self {
        Self::with_capacity(SESSION_CAPACITY)
    }

    /// An empty store holding at most `capacity` sessions (at least one).
    pub fn with_capacity(capacity: usize) -> Self {
        Self { capacity: capacity.max(1), sessions: BTreeMap::new() }
    }

    /// Sessions held (expired ones included until the next insert or sweep).
    pub fn len(&self) -> usize {
        self.sessions.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.sessions.is_empty()
    }

    /// Forgets the sessions expired at `now`; returns how many.
    pub fn sweep(&mut self, now: DateTime<Utc>) -> usize {
        let before = self.sessions.len();
        let now = now.timestamp();
        self.sessions.retain(|_, s| s.expires_unix > now);
        before - self.sessions.len()
    }

    /// Records `session`. When full of live sessions, the one closest to its expiry is
    /// forgotten to make room (a sign-in is never refused for this store), and returned.
    pub fn insert(&mut self, session: IssuedSession, now: DateTime<Utc>) -> Inserted {
        let mut outcome = Inserted::Kept;
        if !self.sessions.contains_key(&session.session_index) && self.sessions.len() >= self.capacity {
            self.sweep(now);
            if self.sessions.len() >= self.capacity {
                let oldest = self.sessions.values().min_by_key(|s| s.expires_unix).map(|s| s.session_index.clone());
                if let Some(displaced) = oldest.and_then(|key| self.sessions.remove(&key)) {
                    outcome = Inserted::Displaced(Box::new(displaced));
                }
            }
        }
        self.sessions.insert(session.session_index.clone(), session);
        outcome
    }

    /// Removes and returns every live session of `device_id` (of any pairing), oldest first.
    pub fn take_device(&mut self, device_id: &str, now: DateTime<Utc>) -> Vec<IssuedSession> {
        let now = now.timestamp();
        let keys: Vec<String> =
            self.sessions.values().filter(|s| s.device_id == device_id).map(|s| s.session_index.clone()).collect();
        let mut taken: Vec<IssuedSession> =
            keys.iter().filter_map(|key| self.sessions.remove(key)).filter(|s| s.expires_unix > now).collect();
        taken.sort_by_key(|s| s.issued_unix);
        taken
    }

    /// The devices with live sessions at `now`, each once.
    pub fn devices(&self, now: DateTime<Utc>) -> Vec<String> {
        let now = now.timestamp();
        let mut devices: Vec<String> =
            self.sessions.values().filter(|s| s.expires_unix > now).map(|s| s.device_id.clone()).collect();
        devices.sort();
        devices.dedup();
        devices
    }

    /// The live sessions at `now`, oldest first.
    pub fn live(&self, now: DateTime<Utc>) -> Vec<&IssuedSession> {
        let now = now.timestamp();
        let mut live: Vec<&IssuedSession> = self.sessions.values().filter(|s| s.expires_unix > now).collect();
        live.sort_by_key(|s| s.issued_unix);
        live
    }
}

#[cfg(test)]
mod tests;
