//! The merged inventory: which gateway holds each device now, each device listed once,
//! from the inventories of every gateway (S8 across several appliances).
//!
//! The rule: only inventories whose hold has not lapsed count; a device (or app tunnel)
//! reported by several of them is listed on the gateway whose inventory arrived last
//! (ties: the smaller gateway id), since a device that moved was first taken by the new
//! gateway, which pushes at once.

use crate::state::State;
use postern_uem_api::{InventoryEntry, InventoryKind};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, now.
pub(crate) fn now_unix() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

/// One device or app tunnel and the gateway that holds it.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Holding {
    /// The gateway.
    pub(crate) gateway_id: String,
    /// When that gateway's inventory arrived, in seconds since the Unix epoch.
    pub(crate) received_unix: u64,
    /// The entry as the gateway reported it.
    #[serde(flatten)]
    pub(crate) entry: InventoryEntry,
}

/// What identifies a device (or an app tunnel) across gateways: its UEM id when matched,
/// else its ActiveSync id, else its user; plus the app and service of a tunnel.
fn identity(entry: &InventoryEntry) -> String {
    let device = match (&entry.uem_device_id, &entry.activesync_id, &entry.user) {
        (Some(uem), _, _) => format!("uem:{}", uem.as_str()),
        (None, Some(eas), _) => format!("eas:{}", eas.as_str()),
        (None, None, Some(user)) => format!("user:{}", user.as_str()),
        (None, None, None) => "-".to_owned(),
    };
    let kind = if entry.kind == InventoryKind::Activesync { "activesync" } else { "apptunnel" };
    let app = entry.app_id.as_ref().map_or("", |a| a.as_str());
    let service = entry.service.as_ref().map_or("", |s| s.as_str());
    format!("{kind}|{device}|{app}|{service}")
}

/// Every device and tunnel held now, each once, in a stable order.
pub(crate) fn merged(state: &State, now_unix: u64) -> Vec<Holding> {
    let mut held: BTreeMap<String, Holding> = BTreeMap::new();
    // Gateways in id order, so an equal arrival time keeps the smaller id.
    for (gateway, inventory) in state.inventories.iter().filter(|(_, i)| i.current(now_unix)) {
        for entry in &inventory.entries {
            let newer = |h: &Holding| inventory.received_unix > h.received_unix;
            let key = identity(entry);
            if held.get(&key).is_none_or(newer) {
                let holding = Holding {
                    gateway_id: gateway.clone(),
                    received_unix: inventory.received_unix,
                    entry: entry.clone(),
                };
                held.insert(key, holding);
            }
        }
    }
    held.into_values().collect()
}
