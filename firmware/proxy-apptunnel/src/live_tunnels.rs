//! The tunnels open now, by cache key, so a cut (A7) can close them.

use crate::origins::OriginGuard;
use postern_decision::{AccessKey, TunnelKey};
use postern_gateway::Gateway;
use postern_metrics::Gauge;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use tokio::sync::{broadcast, watch};

/// Each live tunnel of a key: its id and the sender that cuts it.
type ByKey = HashMap<TunnelKey, Vec<(u64, watch::Sender<bool>)>>;

/// Live tunnels by key; each holds the sender that cuts it.
#[derive(Debug, Default)]
pub(crate) struct LiveTunnels {
    tunnels: Mutex<ByKey>,
    next_id: AtomicU64,
    /// Follows the number of registered tunnels, when metrics are kept.
    open: Option<Gauge>,
}

/// One registered tunnel; dropping it unregisters the tunnel.
#[derive(Debug)]
pub(crate) struct TunnelGuard {
    live: Arc<LiveTunnels>,
    key: TunnelKey,
    id: u64,
    /// Becomes `true` when the tunnel is cut.
    pub(crate) cut: watch::Receiver<bool>,
    /// Its back-end connection, as listeners of this gateway look it up.
    pub(crate) origin: Option<OriginGuard>,
}

impl LiveTunnels {
    /// No tunnel yet; `open` follows their number.
    pub(crate) fn new(open: Option<Gauge>) -> Self {
        Self { open, ..Self::default() }
    }

    fn map(&self) -> MutexGuard<'_, ByKey> {
        self.tunnels.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Registers a tunnel for `key`. Register before deciding: a cut announced after the
    /// registration reaches the tunnel; one announced before is already in the cache.
    pub(crate) fn register(self: &Arc<Self>, key: TunnelKey) -> TunnelGuard {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = watch::channel(false);
        self.map().entry(key.clone()).or_default().push((id, tx));
        if let Some(open) = &self.open {
            open.inc();
        }
        TunnelGuard { live: self.clone(), key, id, cut: rx, origin: None }
    }

    /// Cuts every tunnel of `key`; returns how many.
    pub(crate) fn cut(&self, key: &TunnelKey) -> usize {
        self.map().get(key).map_or(0, |tunnels| {
            tunnels.iter().for_each(|(_, tx)| {
                tx.send_replace(true);
            });
            tunnels.len()
        })
    }

    /// Cuts every tunnel whose key `matches`; returns how many.
    pub(crate) fn cut_where(&self, matches: impl Fn(&TunnelKey) -> bool) -> usize {
        let map = self.map();
        let mut cut = 0;
        for (_, tx) in map.iter().filter(|(key, _)| matches(key)).flat_map(|(_, tunnels)| tunnels) {
            tx.send_replace(true);
            cut += 1;
        }
        cut
    }

    /// How many tunnels are registered.
    pub(crate) fn count(&self) -> usize {
        self.map().values().map(Vec::len).sum()
    }

    fn keys(&self) -> Vec<TunnelKey> {
        self.map().keys().cloned().collect()
    }
}

impl Drop for TunnelGuard {
    fn drop(&mut self) {
        let mut map = self.live.map();
        if let Some(tunnels) = map.get_mut(&self.key) {
            tunnels.retain(|(id, _)| *id != self.id);
            if tunnels.is_empty() {
                map.remove(&self.key);
            }
        }
        if let Some(open) = &self.live.open {
            open.dec();
        }
    }
}

/// Follows the gateway's cuts and closes the matching tunnels. If cuts were missed (the
/// channel lagged), every live tunnel is checked against the cache and those no longer
/// permitted are cut. Ends when the gateway or the tunnels are gone.
pub(crate) fn follow_cuts(gateway: &Arc<Gateway>, live: Weak<LiveTunnels>) {
    let mut cuts = gateway.subscribe_cuts();
    let gateway = Arc::downgrade(gateway);
    tokio::spawn(async move {
        loop {
            let received = cuts.recv().await;
            let Some(live) = live.upgrade() else { return };
            match received {
                Ok(cut) => {
                    if let AccessKey::AppTunnel(key) = &cut.key {
                        let closed = live.cut(key);
                        tracing::info!(device = %key.uem_device_id, app = key.app_id.as_str(), service = key.service.as_str(), reason = cut.reason.code(), closed, "AppTunnel cut");
                    }
                }
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    let Some(gateway) = gateway.upgrade() else { return };
                    tracing::warn!(missed, "cuts missed: checking every live tunnel against the cache");
                    for key in live.keys() {
                        let state = gateway.cache().lookup(&AccessKey::AppTunnel(key.clone()));
                        if !state.is_some_and(|s| s.state.permits()) {
                            live.cut(&key);
                        }
                    }
                }
                Err(broadcast::error::RecvError::Closed) => return,
            }
        }
    });
}
