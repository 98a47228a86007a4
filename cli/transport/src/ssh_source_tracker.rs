//! One connection's account in the shared per-source limits.

use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::ssh_source_limits::{Admission, SourceLimits};

/// The per-source limits shared by every connection of a listener.
pub(crate) type SharedLimits = Arc<Mutex<SourceLimits>>;

/// An admitted connection's place in the shared limits; when dropped before a login, the
/// source's unauthenticated slot is given back.
pub(crate) struct SourceTracker {
    limits: SharedLimits,
    source: IpAddr,
    authenticated: bool,
}

impl SourceTracker {
    /// Admits a connection from `source`, or says why not.
    pub(crate) fn admit(limits: &SharedLimits, source: IpAddr) -> Result<Self, Admission> {
        match lock(limits).admit(source, Instant::now()) {
            Admission::Admitted => Ok(Self { limits: Arc::clone(limits), source, authenticated: false }),
            refused => Err(refused),
        }
    }

    /// Counts a failed login attempt; true when the source is now blocked.
    pub(crate) fn failed(&self) -> bool {
        lock(&self.limits).failed(self.source, Instant::now())
    }

    /// Whether the source is blocked now (its later attempts are refused too).
    pub(crate) fn is_blocked(&self) -> bool {
        lock(&self.limits).is_blocked(self.source, Instant::now())
    }

    /// The connection logged in: it no longer counts as unauthenticated.
    pub(crate) fn authenticated(&mut self) {
        if !self.authenticated {
            self.authenticated = true;
            lock(&self.limits).authenticated(self.source);
        }
    }
}

impl Drop for SourceTracker {
    fn drop(&mut self) {
        if !self.authenticated {
            lock(&self.limits).closed(self.source);
        }
    }
}

fn lock(limits: &SharedLimits) -> std::sync::MutexGuard<'_, SourceLimits> {
    limits.lock().unwrap_or_else(PoisonError::into_inner)
}
