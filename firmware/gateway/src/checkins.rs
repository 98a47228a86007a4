//! Applying what the check-ins bring: compliance changes (S6, A4) and administrator
//! actions on tunnels; each device that stops permitting traffic is cut (A7).

use crate::error::GatewayError;
use crate::gateway::{Cut, Gateway};
use postern_decision::{DeviceIdentity, DeviceState, Provenance, Reason, UemDeviceId, UemStatus, apply_checkin};
use postern_device_cache::{CacheKey, DeviceRecord, KeyKind};
use postern_uem_api::{ComplianceChanges, TunnelActions, TunnelTarget, TunnelVerb};
use std::collections::HashMap;

/// What a check-in changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Applied {
    /// Entries whose state changed.
    pub changed: usize,
    /// Entries whose live connections were cut.
    pub cut: usize,
    /// Entries dropped because a full snapshot no longer lists their device.
    pub forgotten: usize,
    /// Each state change, for logs and reports.
    pub changes: Vec<Change>,
}

/// One entry whose state a check-in changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The cache entry.
    pub key: CacheKey,
    /// Who the device is.
    pub identity: DeviceIdentity,
    /// Its state before.
    pub from: DeviceState,
    /// Its state now.
    pub to: DeviceState,
    /// Why.
    pub reason: Reason,
    /// Whether its live connections were cut.
    pub cut: bool,
}

impl Gateway {
    /// Every cached entry, grouped by the UEM device it belongs to.
    fn entries_by_device(&self) -> Result<HashMap<UemDeviceId, Vec<(CacheKey, DeviceRecord)>>, GatewayError> {
        let cache = self.cache();
        let capacity = cache.capacity().get() as usize;
        let mut all = cache.entries(KeyKind::ActiveSync, capacity)?;
        all.extend(cache.app_tunnels(capacity)?);
        let mut by_device: HashMap<UemDeviceId, Vec<_>> = HashMap::new();
        for (key, record) in all {
            if let Some(id) = record.identity.uem_device_id.clone() {
                by_device.entry(id).or_default().push((key, record));
            }
        }
        Ok(by_device)
    }

    /// Applies a compliance pull (S6 with A4's semantics). A full snapshot also drops
    /// entries of devices the UEM no longer lists, so they are decided as first accesses
    /// again (never let through on an old state).
    pub fn apply_compliance(&self, changes: &ComplianceChanges) -> Result<Applied, GatewayError> {
        let mut by_device = self.entries_by_device()?;
        let caps = self.uem().caps;
        let now = (self.clock_ms)();
        let mut applied = Applied::default();
        let mut writes = Vec::new();
        let mut cuts = Vec::new();
        for change in changes.changes.iter() {
            let Some(entries) = by_device.remove(&change.uem_device_id) else { continue };
            for (key, stored) in entries {
                let record = stored.to_decision(&key);
                let outcome = apply_checkin(record.clone(), change.uem_status(), caps);
                if outcome.record == record {
                    continue;
                }
                applied.changed += 1;
                if outcome.cut_connections {
                    cuts.push(Cut { key: key.clone(), reason: outcome.reason });
                }
                applied.changes.push(Change {
                    key: key.clone(),
                    identity: outcome.record.identity.clone(),
                    from: record.state,
                    to: outcome.record.state,
                    reason: outcome.reason,
                    cut: outcome.cut_connections,
                });
                writes.push((key, DeviceRecord::from_decision(outcome.record, Some(&stored), now)));
            }
        }
        let mut cache = self.cache();
        for chunk in writes.chunks(10_000) {
            cache.upsert_batch(chunk)?;
        }
        if changes.full && !changes.more {
            for (key, stored) in by_device.into_values().flatten() {
                if stored.provenance != Provenance::Operator && cache.remove(&key)? {
                    applied.forgotten += 1;
                    if stored.state.permits() {
                        cuts.push(Cut { key, reason: Reason::NotRegistered });
                    }
                }
            }
        }
        drop(cache);
        applied.cut = cuts.len();
        for cut in cuts {
            self.announce_cut(cut);
        }
        Ok(applied)
    }

    /// Applies administrator actions on tunnels: a block cuts the tunnel now; an unblock
    /// drops the block so the next access asks the UEM again.
    pub fn apply_tunnel_actions(&self, actions: &TunnelActions) -> Result<Applied, GatewayError> {
        let by_device = self.entries_by_device()?;
        let now = (self.clock_ms)();
        let mut applied = Applied::default();
        let mut cache = self.cache();
        let mut cuts = Vec::new();
        for action in actions.actions.iter() {
            let Some(entries) = by_device.get(&action.uem_device_id) else { continue };
            for (key, stored) in entries {
                let CacheKey::AppTunnel(tunnel) = key else { continue };
                let targeted = match &action.target {
                    TunnelTarget::AllTunnels => true,
                    TunnelTarget::App { app_id, service } => {
                        tunnel.app_id.as_str() == app_id.as_str() && tunnel.service.as_str() == service.as_str()
                    }
                };
                if !targeted {
                    continue;
                }
                match action.action {
                    TunnelVerb::Block if stored.state != DeviceState::Blocked => {
                        let outcome = apply_checkin(stored.to_decision(key), UemStatus::Blocked, self.uem().caps);
                        if outcome.cut_connections {
                            cuts.push(Cut { key: key.clone(), reason: Reason::UemBlocked });
                        }
                        cache.upsert(key, &DeviceRecord::from_decision(outcome.record, Some(stored), now))?;
                        applied.changed += 1;
                    }
                    TunnelVerb::Unblock
                        if stored.state == DeviceState::Blocked && stored.provenance == Provenance::Uem =>
                    {
                        cache.remove(key)?;
                        applied.changed += 1;
                    }
                    _ => {}
                }
            }
        }
        drop(cache);
        applied.cut = cuts.len();
        for cut in cuts {
            self.announce_cut(cut);
        }
        Ok(applied)
    }
}
