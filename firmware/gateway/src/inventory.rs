//! The tunnel inventory the gateway pushes to the UEM (S8), blocked states included (A7).

use crate::error::GatewayError;
use crate::gateway::Gateway;
use postern_decision::{AccessKey, Channel, DeviceState};
use postern_uem_api::{InventoryEntry, InventoryKind, MAX_INVENTORY_ENTRIES, WireDeviceState};

impl Gateway {
    /// The inventory: every ActiveSync device and AppTunnel in the cache, most recently
    /// used first, up to what one push may carry.
    pub fn inventory(&self) -> Result<Vec<InventoryEntry>, GatewayError> {
        let keys = {
            let cache = self.cache();
            let mut keys = cache.keys_where(Channel::ActiveSync, MAX_INVENTORY_ENTRIES, |_| true)?;
            keys.extend(cache.keys_where(
                Channel::AppTunnel,
                MAX_INVENTORY_ENTRIES.saturating_sub(keys.len()),
                |_| true,
            )?);
            keys
        };
        let entries = self.records_of(&keys)?;
        let mut inventory = Vec::with_capacity(entries.len());
        for (key, record) in entries {
            let state = match record.state {
                DeviceState::Allowed => WireDeviceState::Allowed,
                DeviceState::Quarantined => WireDeviceState::Quarantined,
                DeviceState::Wiped => WireDeviceState::Wiped,
                _ => WireDeviceState::Blocked,
            };
            let (kind, app_id, service) = match &key {
                AccessKey::ActiveSync(_) => (InventoryKind::Activesync, None, None),
                AccessKey::AppTunnel(t) => (InventoryKind::Apptunnel, Some(t.app_id.clone()), Some(t.service.clone())),
            };
            inventory.push(InventoryEntry {
                kind,
                activesync_id: record.identity.eas_device_id,
                user: record.identity.user,
                uem_device_id: record.identity.uem_device_id,
                app_id,
                service,
                state,
            });
        }
        Ok(inventory)
    }
}
