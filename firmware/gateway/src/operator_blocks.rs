//! Operator blocks through the gateway: the pinned list consulted before any cache or UEM
//! answer, cache entries marked, and live connections cut at once (A7).

use crate::blocks::{BlockOrigin, BlockTarget, PinnedBlock};
use crate::error::GatewayError;
use crate::gateway::{Cut, Gateway};
use postern_decision::{AccessKey, Channel, Decision, DeviceState, Provenance, Reason, Verdict};
use postern_device_cache::DeviceRecord;

/// What a block or an unblock touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockReport {
    /// Whether the pinned list changed.
    pub listed: bool,
    /// Cache entries marked (block) or removed (unblock).
    pub cache_entries: usize,
}

impl Gateway {
    /// Changes at every pinned block added: a proxy then checks its live requests with
    /// [`Gateway::pinned_reason`] and cuts those now refused.
    pub fn subscribe_blocks(&self) -> tokio::sync::watch::Receiver<u64> {
        self.blocks_added.subscribe()
    }

    /// The reason the pinned list refuses an ActiveSync device of `user`, if it does.
    pub fn pinned_reason(&self, eas: &str, user: Option<&str>) -> Option<Reason> {
        self.pinned_decision(Some(eas), None, user).map(|d| d.reason)
    }

    /// The decision of the pinned list for a device with these identities, if it names it.
    pub(crate) fn pinned_decision(&self, eas: Option<&str>, uem: Option<&str>, user: Option<&str>) -> Option<Decision> {
        let blocks = self.blocks();
        let block = blocks.matching(eas, uem, user)?;
        let reason = match block.origin {
            BlockOrigin::Operator => Reason::OperatorBlocked,
            BlockOrigin::Wiped => Reason::WipedFinal,
        };
        Some(Decision { verdict: Verdict::Block, reason, basis: Provenance::Operator })
    }

    /// Pins a block of `target` by `by`, marks every cache entry it names blocked, and cuts
    /// their live connections before returning.
    pub fn block(&self, target: &BlockTarget, by: &str) -> Result<BlockReport, GatewayError> {
        let now = (self.clock_ms)();
        let listed = self.blocks().insert(PinnedBlock {
            target: target.clone(),
            origin: BlockOrigin::Operator,
            since_ms: now,
            by: by.to_owned(),
        })?;
        let named = self.entries_named(target)?;
        let marked: Vec<(AccessKey, DeviceRecord)> = named
            .into_iter()
            .map(|(key, mut record)| {
                record.state = DeviceState::Blocked;
                record.provenance = Provenance::Operator;
                record.updated_ms = now;
                (key, record)
            })
            .collect();
        self.cache().upsert_batch(&marked)?;
        let mut cuts: Vec<AccessKey> = marked.iter().map(|(key, _)| key.clone()).collect();
        // A device whose cache entry was evicted may still hold live requests (a Ping
        // held since before the eviction): its ActiveSync id is cut all the same.
        if let BlockTarget::Device(id) = target {
            if let Ok(eas) = postern_decision::EasDeviceId::new(id) {
                let key = AccessKey::ActiveSync(eas);
                if !cuts.contains(&key) {
                    cuts.push(key);
                }
            }
        }
        for key in cuts {
            self.announce_cut(Cut { key, reason: Reason::OperatorBlocked });
        }
        // Live requests the cache no longer names (a user's device evicted since its
        // request began) are found by the proxies' sweep.
        self.blocks_added.send_modify(|n| *n = n.wrapping_add(1));
        tracing::warn!(target = %target, by, cache_entries = marked.len(), "operator block pinned");
        self.note_inventory_changed();
        Ok(BlockReport { listed, cache_entries: marked.len() })
    }

    /// Lifts an operator's block of `target` (never a wiped device's): the list entry goes,
    /// and the cache entries an operator blocked are forgotten, so the devices are decided
    /// afresh.
    pub fn unblock(&self, target: &BlockTarget) -> Result<BlockReport, GatewayError> {
        let listed = self.blocks().remove_operator(target)?;
        let named: Vec<AccessKey> = self
            .entries_named(target)?
            .into_iter()
            .filter(|(_, r)| r.provenance == Provenance::Operator)
            .map(|(k, _)| k)
            .collect();
        let mut cache = self.cache();
        for key in &named {
            cache.remove(key)?;
        }
        tracing::warn!(target = %target, lifted = listed, cache_entries = named.len(), "operator block lifted");
        self.note_inventory_changed();
        Ok(BlockReport { listed, cache_entries: named.len() })
    }

    /// Pins a device the UEM reported wiped, by every id it is known by: final.
    pub(crate) fn pin_wiped(&self, eas: Option<&str>, uem: Option<&str>) {
        let now = (self.clock_ms)();
        let mut blocks = self.blocks();
        for id in [eas, uem].into_iter().flatten() {
            let Ok(target) = BlockTarget::device(id) else { continue };
            if let Err(e) =
                blocks.insert(PinnedBlock { target, origin: BlockOrigin::Wiped, since_ms: now, by: "uem".into() })
            {
                tracing::error!(device = id, error = %e, "a wiped device could not be pinned");
            }
        }
    }

    /// Every cache entry `target` names: ActiveSync devices by id, UEM device id or user,
    /// and the AppTunnels of the UEM devices found.
    pub(crate) fn entries_named(&self, target: &BlockTarget) -> Result<Vec<(AccessKey, DeviceRecord)>, GatewayError> {
        let (devices, tunnels) = {
            let cache = self.cache();
            let capacity = cache.capacity().get() as usize;
            (
                cache.keys_where(Channel::ActiveSync, capacity, |_| true)?,
                cache.keys_where(Channel::AppTunnel, capacity, |_| true)?,
            )
        };
        let mut uem_ids: Vec<String> = Vec::new();
        let mut found = Vec::new();
        for (key, record) in self.records_of(&devices)? {
            let identity = &record.identity;
            let hit = match target {
                BlockTarget::Device(id) => {
                    identity.eas_device_id.as_ref().is_some_and(|e| e.as_str() == id)
                        || matches!(&key, AccessKey::ActiveSync(e) if e.as_str() == id)
                        || identity.uem_device_id.as_ref().is_some_and(|u| u.as_str() == id)
                }
                BlockTarget::User(user) => {
                    identity.user.as_ref().is_some_and(|u| u.as_str().eq_ignore_ascii_case(user))
                }
            };
            if hit {
                uem_ids.extend(identity.uem_device_id.as_ref().map(|u| u.as_str().to_owned()));
                found.push((key, record));
            }
        }
        if let BlockTarget::Device(id) = target {
            uem_ids.push(id.clone());
        }
        let tunnels: Vec<AccessKey> = tunnels
            .into_iter()
            .filter(|k| matches!(k, AccessKey::AppTunnel(t) if uem_ids.iter().any(|u| u == t.uem_device_id.as_str())))
            .collect();
        for (key, record) in self.records_of(&tunnels)? {
            if let AccessKey::AppTunnel(t) = &key {
                if uem_ids.iter().any(|u| u == t.uem_device_id.as_str()) {
                    found.push((key, record));
                }
            }
        }
        Ok(found)
    }
}
