//! Applying what the check-ins bring: compliance changes (S6, A4) and administrator
//! actions on tunnels; each device that stops permitting traffic is cut (A7).

use crate::error::GatewayError;
use crate::gateway::{Cut, DEVICES_PER_LOCK, Gateway};
use postern_decision::{
    AccessKey, DeviceIdentity, DeviceState, Provenance, Reason, UemDeviceId, UemStatus, apply_checkin,
};
use postern_device_cache::{DeviceRecord, uem_tag};
use postern_uem_api::{ComplianceChanges, TunnelActions, TunnelTarget, TunnelVerb};
use std::collections::HashSet;

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
    pub key: AccessKey,
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
    /// Applies a compliance pull (S6 with A4's semantics). A full snapshot also drops
    /// entries of devices the UEM no longer lists, so they are decided as first accesses
    /// again (never let through on an old state). Only the entries of the devices named
    /// are read (found by their UEM device id in the cache's index), a few at a time, so
    /// requests are never held up by a walk of the whole cache.
    pub fn apply_compliance(&self, changes: &ComplianceChanges) -> Result<Applied, GatewayError> {
        let caps = self.uem().caps;
        let now = (self.clock_ms)();
        let mut applied = Applied::default();
        let mut cuts = Vec::new();
        let forget = changes.full && !changes.more;
        let listed: HashSet<&UemDeviceId> =
            if forget { changes.changes.iter().map(|c| &c.uem_device_id).collect() } else { HashSet::new() };
        let mut unlisted = Vec::new();
        for chunk in changes.changes.chunks(DEVICES_PER_LOCK) {
            let mut writes = Vec::new();
            let cache = self.cache();
            for change in chunk {
                for (key, stored) in cache.entries_by_uem_tag(uem_tag(Some(&change.uem_device_id)))? {
                    match stored.identity.uem_device_id.as_ref() {
                        Some(id) if *id == change.uem_device_id => {}
                        // Another device that shares the tag.
                        Some(id) if forget && !listed.contains(id) => {
                            unlisted.push((key, stored));
                            continue;
                        }
                        _ => continue,
                    }
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
            drop(cache);
            if !writes.is_empty() {
                self.cache().upsert_batch(&writes)?;
            }
        }
        if forget {
            let listed_tags: HashSet<u64> = listed.iter().map(|id| uem_tag(Some(id))).collect();
            let absent: Vec<u64> = self.cache().uem_tags().into_iter().filter(|t| !listed_tags.contains(t)).collect();
            for chunk in absent.chunks(DEVICES_PER_LOCK) {
                let cache = self.cache();
                for tag in chunk {
                    unlisted.extend(cache.entries_by_uem_tag(*tag)?);
                }
            }
            for chunk in unlisted.chunks(DEVICES_PER_LOCK) {
                let mut cache = self.cache();
                for (key, stored) in chunk {
                    if stored.provenance != Provenance::Operator && cache.remove(key)? {
                        applied.forgotten += 1;
                        if stored.state.permits() {
                            cuts.push(Cut { key: key.clone(), reason: Reason::NotRegistered });
                        }
                    }
                }
            }
        }
        applied.cut = cuts.len();
        for cut in cuts {
            self.announce_cut(cut);
        }
        Ok(applied)
    }

    /// Applies administrator actions on tunnels: a block cuts the tunnel now; an unblock
    /// drops the block so the next access asks the UEM again.
    pub fn apply_tunnel_actions(&self, actions: &TunnelActions) -> Result<Applied, GatewayError> {
        let now = (self.clock_ms)();
        let mut applied = Applied::default();
        let mut cache = self.cache();
        let mut cuts = Vec::new();
        for action in actions.actions.iter() {
            let entries = cache.entries_by_uem_tag(uem_tag(Some(&action.uem_device_id)))?;
            let of_device =
                entries.iter().filter(|(_, r)| r.identity.uem_device_id.as_ref() == Some(&action.uem_device_id));
            for (key, stored) in of_device {
                let AccessKey::AppTunnel(tunnel) = key else { continue };
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
