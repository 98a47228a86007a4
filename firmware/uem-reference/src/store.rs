//! The shared state behind both listeners: one lock, persisted before every answer that
//! changed it, and a watch that wakes held long-polls.

use crate::persist::{self, PersistError};
use crate::state::State;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{Mutex, MutexGuard, watch};

/// The state, where it is kept, and who waits for changes.
pub(crate) struct Store {
    state: Mutex<State>,
    path: PathBuf,
    /// Entries each feed keeps before old cursors expire.
    pub(crate) log_limit: usize,
    changed: watch::Sender<u64>,
}

impl Store {
    /// Loads the state file (or starts afresh) and trims the feeds to `log_limit`.
    pub(crate) fn open(path: PathBuf, log_limit: usize) -> Result<Arc<Self>, PersistError> {
        let mut state = persist::load(&path)?;
        state.trim(log_limit);
        let bytes = serde_json::to_vec(&state).map_err(|source| PersistError::Format { path: path.clone(), source })?;
        persist::save(&path, &bytes)?;
        let (changed, _) = watch::channel(0);
        Ok(Arc::new(Self { state: Mutex::new(state), path, log_limit, changed }))
    }

    /// Reads the state.
    pub(crate) async fn read(&self) -> MutexGuard<'_, State> {
        self.state.lock().await
    }

    /// Reads the state and subscribes to changes under the same lock, so no change made
    /// after the read is missed.
    pub(crate) async fn read_and_watch(&self) -> (MutexGuard<'_, State>, watch::Receiver<u64>) {
        let guard = self.state.lock().await;
        let rx = self.changed.subscribe();
        (guard, rx)
    }

    /// Changes the state with `f`; if `f` succeeds, the state file is written before the
    /// lock is released and long-polls are woken (the write blocks this worker briefly). If the write fails the change is
    /// undone in memory as well.
    pub(crate) async fn update<T, E>(
        &self,
        f: impl FnOnce(&mut State) -> Result<T, E>,
    ) -> Result<Result<T, E>, PersistError> {
        let mut guard = self.state.lock().await;
        let before = guard.clone();
        let out = match f(&mut guard) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        let bytes = match serde_json::to_vec(&*guard) {
            Ok(b) => b,
            Err(source) => {
                *guard = before;
                return Err(PersistError::Format { path: self.path.clone(), source });
            }
        };
        // Written here, with no await between the change and the write: a request whose
        // future is dropped (its client went away) cannot release the lock while its
        // write is still under way and let a later write overtake it.
        let written = persist::save(&self.path, &bytes);
        if let Err(e) = written {
            *guard = before;
            return Err(e);
        }
        drop(guard);
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
        Ok(Ok(out))
    }
}
