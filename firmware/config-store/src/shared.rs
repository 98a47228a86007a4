//! The store as a running gateway shares it: one lock over the store, and a publication of
//! every new running configuration (a commit, a commit confirmed, the automatic revert of
//! an unconfirmed one) to whoever applies it.

use crate::candidate::Candidate;
use crate::error::{CommitError, StoreError};
use crate::revision::RevisionInfo;
use crate::store::ConfigStore;
use postern_config::Config;
use std::ops::Deref;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::watch;

/// The configuration store of a running gateway, shared by every CLI session and the
/// services. Every change of the running configuration goes through it and is published
/// to [`SharedStore::subscribe`]rs before the lock is released, so they see the commits
/// in order and none is missed.
pub struct SharedStore {
    store: Mutex<ConfigStore>,
    published: watch::Sender<Arc<Config>>,
}

impl SharedStore {
    /// Shares `store`; its running configuration is the first one published.
    pub fn new(store: ConfigStore) -> Self {
        let (published, _) = watch::channel(Arc::new(store.running().clone()));
        Self { store: Mutex::new(store), published }
    }

    /// The store, locked. A panic while another holder had it must not lock everyone out,
    /// so a poisoned lock is taken over (every change the store makes is durable and whole
    /// before it returns, so a panic cannot leave it half-changed).
    pub fn lock(&self) -> StoreGuard<'_> {
        StoreGuard { store: self.store.lock().unwrap_or_else(PoisonError::into_inner), published: &self.published }
    }

    /// The running configuration as it changes: each service subscribes and applies what
    /// changed. A new value follows every commit and every automatic revert.
    pub fn subscribe(&self) -> watch::Receiver<Arc<Config>> {
        self.published.subscribe()
    }

    /// Reverts an unconfirmed `commit confirmed` whose deadline has passed and publishes
    /// the configuration it restored (see [`ConfigStore::tick`]). The gateway calls this
    /// at start and then several times a second; it returns the revert's revision, if one was made.
    pub fn tick(&self, now: u64) -> Result<Option<RevisionInfo>, StoreError> {
        let mut store = self.lock();
        let reverted = store.store.tick(now)?;
        if reverted.is_some() {
            store.publish();
        }
        Ok(reverted)
    }
}

/// The locked store: everything of [`ConfigStore`] that reads, and the commits, each of
/// which publishes the new running configuration before it returns.
pub struct StoreGuard<'a> {
    store: MutexGuard<'a, ConfigStore>,
    published: &'a watch::Sender<Arc<Config>>,
}

impl Deref for StoreGuard<'_> {
    type Target = ConfigStore;

    fn deref(&self) -> &ConfigStore {
        &self.store
    }
}

impl StoreGuard<'_> {
    /// [`ConfigStore::commit`], then the new running configuration is published.
    pub fn commit(
        &mut self,
        candidate: &Candidate,
        who: &str,
        comment: Option<&str>,
        now: u64,
    ) -> Result<RevisionInfo, CommitError> {
        let info = self.store.commit(candidate, who, comment, now)?;
        self.publish();
        Ok(info)
    }

    /// [`ConfigStore::commit_confirmed`], then the new running configuration is published.
    pub fn commit_confirmed(
        &mut self,
        candidate: &Candidate,
        minutes: u32,
        who: &str,
        comment: Option<&str>,
        now: u64,
    ) -> Result<RevisionInfo, CommitError> {
        let info = self.store.commit_confirmed(candidate, minutes, who, comment, now)?;
        self.publish();
        Ok(info)
    }

    fn publish(&self) {
        self.published.send_replace(Arc::new(self.store.running().clone()));
    }
}
