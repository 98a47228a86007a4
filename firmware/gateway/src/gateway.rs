//! The gateway: its identity, its device cache, its UEM and what it knows about that UEM.

use crate::admission::Admission;
use crate::blocks::BlockList;
use crate::error::GatewayError;
use postern_decision::{AccessKey, Channel, GatewayId, Reason, UemCapabilities, UemSettings, restore_at_startup};
use postern_device_cache::{CacheReader, DeviceCache, DeviceRecord};
use postern_metrics::{Counter, LabelledCounter};
use postern_uem_api::Settings;
use postern_uem_connector::UemConnector;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};
use std::time::Duration;
use tokio::sync::broadcast;

/// Devices read or written per hold of the cache's lock. Requests decided from the cache's
/// memory never take it; a first access reads its device's record under it, so waits for
/// at most this many record reads and one flush.
pub(crate) const DEVICES_PER_LOCK: usize = 256;

/// A device or tunnel whose live connections must be closed now (A7).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// The cache entry that stopped permitting traffic.
    pub key: AccessKey,
    /// Why.
    pub reason: Reason,
}

/// What the gateway knows about its UEM.
#[derive(Debug, Clone, Copy)]
pub(crate) struct UemView {
    pub(crate) settings: UemSettings,
    pub(crate) caps: UemCapabilities,
}

/// The access service shared by the proxy, the check-ins and the CLI.
pub struct Gateway {
    id: RwLock<GatewayId>,
    connector: RwLock<Arc<dyn UemConnector>>,
    cache: Mutex<DeviceCache>,
    /// The cache's memory, read by requests without waiting for the cache's writes.
    pub(crate) reader: CacheReader,
    uem: Mutex<UemView>,
    cuts: broadcast::Sender<Cut>,
    blocks: Mutex<BlockList>,
    pub(crate) admission: Admission,
    inventory_changed: tokio::sync::Notify,
    /// Bumped at every pinned block added, for proxies that sweep their live requests.
    pub(crate) blocks_added: tokio::sync::watch::Sender<u64>,
    pub(crate) clock_ms: fn() -> u64,
    pub(crate) lookup_timeout: Duration,
    /// One counter per reason, in `Reason::ALL` order (empty: not counted).
    decisions: Vec<Counter>,
}

impl Gateway {
    /// A gateway over an open cache. Until the UEM's settings arrive, new ActiveSync
    /// devices are blocked while the UEM is unreachable (S3), and a quarantine blocks (A4).
    pub fn new(
        id: GatewayId,
        connector: Arc<dyn UemConnector>,
        cache: DeviceCache,
        clock_ms: fn() -> u64,
        lookup_timeout: Duration,
    ) -> Self {
        let (cuts, _) = broadcast::channel(1024);
        let uem = UemView { settings: UemSettings::never_received(), caps: UemCapabilities::unknown() };
        let blocks = Mutex::new(BlockList::in_memory());
        let admission = Admission::default();
        let inventory_changed = tokio::sync::Notify::new();
        let (blocks_added, _) = tokio::sync::watch::channel(0);
        Self {
            id: RwLock::new(id),
            connector: RwLock::new(connector),
            reader: cache.reader(),
            cache: Mutex::new(cache),
            uem: Mutex::new(uem),
            cuts,
            blocks,
            admission,
            inventory_changed,
            blocks_added,
            clock_ms,
            lookup_timeout,
            decisions: Vec::new(),
        }
    }

    /// Uses `blocks` as the pinned deny list (by default an empty one in memory).
    #[must_use]
    pub fn with_block_list(self, blocks: BlockList) -> Self {
        *self.blocks.lock().unwrap_or_else(PoisonError::into_inner) = blocks;
        self
    }

    /// Resolves when the gateway changed a device's state on its own (an operator block or
    /// unblock, A7) or holds a device it did not hold before (a first access), so the UEM
    /// should get the inventory now rather than at its next push.
    pub async fn inventory_changed(&self) {
        self.inventory_changed.notified().await;
    }

    pub(crate) fn note_inventory_changed(&self) {
        self.inventory_changed.notify_one();
    }

    /// How many "not registered" answers are remembered in memory now.
    pub fn unregistered_remembered(&self) -> usize {
        self.admission.unregistered_len()
    }

    /// The pinned deny list. A poisoned lock is taken over: its writes are atomic.
    pub fn blocks(&self) -> MutexGuard<'_, BlockList> {
        self.blocks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Counts every access decision by its reason in `counter` (declared with every
    /// [`postern_decision::Reason`] code as a label value).
    #[must_use]
    pub fn with_decision_counter(mut self, counter: &LabelledCounter) -> Self {
        // Resolved once here, so counting on the hot path is an index and an atomic add.
        self.decisions = Reason::ALL.iter().filter_map(|r| counter.with(r.code()).cloned()).collect();
        if self.decisions.len() != Reason::ALL.len() {
            tracing::warn!("the decision counter does not declare every reason: decisions are not counted");
            self.decisions.clear();
        }
        self
    }

    pub(crate) fn count(&self, decision: postern_decision::Decision) -> postern_decision::Decision {
        if !self.decisions.is_empty() {
            if let Some(i) = Reason::ALL.iter().position(|r| *r == decision.reason) {
                self.decisions[i].inc();
            }
        }
        decision
    }

    /// The device cache. A poisoned lock is taken over: the cache's own writes are atomic.
    pub fn cache(&self) -> MutexGuard<'_, DeviceCache> {
        self.cache.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The stored records of `keys`, read a few at a time so that requests, which take the
    /// same lock, never wait for a long walk; keys gone meanwhile are skipped.
    pub(crate) fn records_of(&self, keys: &[AccessKey]) -> Result<Vec<(AccessKey, DeviceRecord)>, GatewayError> {
        let mut out = Vec::with_capacity(keys.len());
        for chunk in keys.chunks(DEVICES_PER_LOCK) {
            let cache = self.cache();
            for key in chunk {
                if let Some(record) = cache.record(key)? {
                    out.push((key.clone(), record));
                }
            }
        }
        Ok(out)
    }

    /// The UEM connector in use now.
    pub fn connector(&self) -> Arc<dyn UemConnector> {
        self.connector.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Puts `connector` in place of the current one (a committed change of UEM): calls
    /// already under way finish with the old one, every later call goes to the new one.
    /// What the old UEM provided goes with it: the new UEM's `settings` as last kept for
    /// it, or none yet (new devices are then blocked while it is unreachable, S3).
    pub fn switch_connector(&self, connector: Arc<dyn UemConnector>, settings: Option<&Settings>) {
        let kind = connector.kind();
        *self.connector.write().unwrap_or_else(PoisonError::into_inner) = connector;
        *self.uem.lock().unwrap_or_else(PoisonError::into_inner) =
            UemView { settings: UemSettings::never_received(), caps: UemCapabilities::unknown() };
        tracing::info!(connector = kind, "UEM connector switched");
        if let Some(settings) = settings {
            self.set_uem_settings(settings);
        }
    }

    /// The id this gateway registers under with the UEM, and decides tunnels by.
    pub fn id(&self) -> GatewayId {
        self.id.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Takes a new id (`gateway-id` committed); the caller switches the connector to one
    /// built with it.
    pub fn set_id(&self, id: GatewayId) {
        tracing::info!(gateway_id = %id, "gateway id applied");
        *self.id.write().unwrap_or_else(PoisonError::into_inner) = id;
    }

    pub(crate) fn uem(&self) -> UemView {
        *self.uem.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records the settings the UEM provided (S3's new-device rule, quarantine support).
    pub fn set_uem_settings(&self, settings: &Settings) {
        let mut uem = self.uem.lock().unwrap_or_else(PoisonError::into_inner);
        uem.settings = settings.apply_to(uem.settings);
        uem.caps = settings.capabilities();
        tracing::info!(outage_policy = ?uem.settings.outage_policy(), supports_quarantine = uem.caps.supports_quarantine, "UEM settings received");
    }

    /// Subscribes to cuts: every device or tunnel that stops permitting traffic (A7).
    pub fn subscribe_cuts(&self) -> broadcast::Receiver<Cut> {
        self.cuts.subscribe()
    }

    pub(crate) fn announce_cut(&self, cut: Cut) {
        tracing::warn!(entry = ?cut.key, reason = cut.reason.code(), "cutting live connections");
        // No subscriber (no proxy yet) is not an error.
        let _ = self.cuts.send(cut);
    }

    /// At start-up (S7): ActiveSync devices are marked to be asked about again as first
    /// accesses, keeping their last state as the fallback while the UEM is unreachable;
    /// AppTunnels are reloaded as they are, up to the cache size. Returns both counts.
    pub fn restore_at_startup(&self) -> Result<(usize, usize), GatewayError> {
        let now = (self.clock_ms)();
        let mut cache = self.cache();
        let capacity = cache.capacity().get() as usize;
        let devices = cache.entries(Channel::ActiveSync, capacity)?;
        let restored: Vec<_> = devices
            .iter()
            .map(|(key, stored)| {
                (
                    key.clone(),
                    DeviceRecord::from_decision(restore_at_startup(stored.to_decision(key)), Some(stored), now),
                )
            })
            .collect();
        for chunk in restored.chunks(10_000) {
            cache.upsert_batch(chunk)?;
        }
        let tunnels = cache.app_tunnels(capacity)?.len();
        tracing::info!(devices = restored.len(), tunnels, "device cache restored at start-up");
        Ok((restored.len(), tunnels))
    }
}
