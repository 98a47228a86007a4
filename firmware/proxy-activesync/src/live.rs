//! Live requests per device, so a cut (A7) can end them at once.

use postern_decision::{AccessKey, EasDeviceId, UserId};
use postern_gateway::{Cut, Gateway};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use tokio::sync::{broadcast, oneshot, watch};

/// The reason code given when cuts were missed and every live request is ended.
pub(crate) const LAGGED: &str = "cuts-missed";

/// One live request: the sender that ends it, and the user it names (boxed: a held
/// request keeps its entry, and a `UserId` holds room for the longest user id inline).
type Entry = (oneshot::Sender<&'static str>, Option<Box<UserId>>);

/// Every live request of every device, each with the sender that ends it.
#[derive(Default)]
pub(crate) struct Registry {
    next: AtomicU64,
    live: Mutex<HashMap<EasDeviceId, HashMap<u64, Entry>>>,
}

/// A live request; dropping it removes it from the registry.
pub(crate) struct Registration {
    registry: Arc<Registry>,
    device: EasDeviceId,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        let mut live = self.registry.lock();
        if let Some(requests) = live.get_mut(&self.device) {
            requests.remove(&self.id);
            if requests.is_empty() {
                live.remove(&self.device);
            }
        }
    }
}

impl Registry {
    fn lock(&self) -> MutexGuard<'_, HashMap<EasDeviceId, HashMap<u64, Entry>>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a request of `device` naming `user`; the receiver fires with the reason
    /// code of a cut.
    pub(crate) fn register(
        self: &Arc<Self>,
        device: EasDeviceId,
        user: Option<&UserId>,
    ) -> (Registration, oneshot::Receiver<&'static str>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        let user = user.cloned().map(Box::new);
        self.lock().entry(device.clone()).or_default().insert(id, (tx, user));
        (Registration { registry: self.clone(), device, id }, rx)
    }

    /// Ends every live request of a device; returns how many.
    pub(crate) fn cut(&self, device: &EasDeviceId, reason: &'static str) -> usize {
        let requests = self.lock().remove(device).unwrap_or_default();
        let count = requests.len();
        for (_, (tx, _)) in requests {
            let _ = tx.send(reason);
        }
        count
    }

    /// Ends every live request that `refused` gives a reason code for (by device and
    /// user); returns how many.
    pub(crate) fn sweep(&self, refused: impl Fn(&EasDeviceId, Option<&str>) -> Option<&'static str>) -> usize {
        let mut live = self.lock();
        let mut count = 0;
        for (device, requests) in live.iter_mut() {
            let ended: Vec<(u64, &'static str)> = requests
                .iter()
                .filter_map(|(id, (_, user))| {
                    refused(device, user.as_deref().map(UserId::as_str)).map(|reason| (*id, reason))
                })
                .collect();
            for (id, reason) in ended {
                if let Some((tx, _)) = requests.remove(&id) {
                    count += 1;
                    let _ = tx.send(reason);
                }
            }
        }
        live.retain(|_, requests| !requests.is_empty());
        count
    }

    /// Ends every live request of every device; returns how many.
    pub(crate) fn cut_all(&self, reason: &'static str) -> usize {
        let all = std::mem::take(&mut *self.lock());
        let mut count = 0;
        for (tx, _) in all.into_values().flat_map(HashMap::into_values) {
            count += 1;
            let _ = tx.send(reason);
        }
        count
    }

    /// Live requests right now.
    pub(crate) fn count(&self) -> usize {
        self.lock().values().map(HashMap::len).sum()
    }
}

/// Applies the gateway's cuts until the gateway or the registry goes away. If cuts were
/// missed (more than the channel holds arrived at once), every live request is ended:
/// the devices' next requests are decided again, which is safe; letting a cut device
/// keep streaming is not. At every pinned block added, the live requests are checked
/// against the pinned list, so a block reaches requests the cache no longer names.
pub(crate) async fn watch_cuts(
    registry: Weak<Registry>,
    mut cuts: broadcast::Receiver<Cut>,
    gateway: Weak<Gateway>,
    mut blocks: watch::Receiver<u64>,
) {
    loop {
        let received = tokio::select! {
            received = cuts.recv() => received,
            changed = blocks.changed() => {
                if changed.is_err() {
                    return;
                }
                let (Some(registry), Some(gateway)) = (registry.upgrade(), gateway.upgrade()) else { return };
                let ended = registry.sweep(|device, user| gateway.pinned_reason(device.as_str(), user).map(|reason| reason.code()));
                if ended > 0 {
                    tracing::info!(ended, "pinned block: live requests it names ended");
                }
                continue;
            }
        };
        let Some(registry) = registry.upgrade() else { return };
        match received {
            Ok(Cut { key: AccessKey::ActiveSync(device), reason }) => {
                let ended = registry.cut(&device, reason.code());
                tracing::info!(device = %device, reason = reason.code(), ended, "ActiveSync device cut: live requests ended");
            }
            Ok(_) => {}
            Err(broadcast::error::RecvError::Lagged(missed)) => {
                let ended = registry.cut_all(LAGGED);
                tracing::warn!(missed, ended, "cuts were missed: every live ActiveSync request ended");
            }
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
