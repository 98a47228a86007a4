//! What the reference UEM knows: devices, settings, gateway tokens, tunnel blocks,
//! inventories, and the two change feeds.

use crate::feed::Feed;
use postern_uem_api::{
    BearerToken, ComplianceChange, InventoryEntry, MAX_CHANGES, OutagePolicy, Settings, TunnelAction, TunnelTarget,
    TunnelVerb, WireDevice, WireStatus, WireUemKind,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Version of the state file layout.
pub(crate) const STATE_VERSION: u32 = 1;

/// An inventory as received from one gateway.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ReceivedInventory {
    /// When it arrived, in seconds since the Unix epoch.
    pub(crate) received_unix: u64,
    /// Its entries.
    pub(crate) entries: Vec<InventoryEntry>,
    /// How long after `received_unix` it stands, if the gateway said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) hold_secs: Option<u32>,
}

impl ReceivedInventory {
    /// Whether it still stands for the gateway's holdings at `now_unix`.
    pub(crate) fn current(&self, now_unix: u64) -> bool {
        self.hold_secs.is_none_or(|hold| now_unix < self.received_unix + u64::from(hold))
    }
}

/// The whole state, as kept in the state file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) version: u32,
    /// Random id of this state's history; part of every cursor.
    pub(crate) epoch: String,
    pub(crate) settings: Settings,
    /// Enrolled devices by UEM device id.
    pub(crate) devices: BTreeMap<String, WireDevice>,
    /// Bearer token of each gateway, by gateway id.
    pub(crate) tokens: BTreeMap<String, BearerToken>,
    /// Tunnel blocks in force, as `block` actions.
    pub(crate) tunnel_blocks: Vec<TunnelAction>,
    /// Apps an administrator refused (every other app is authorised).
    pub(crate) refused_apps: BTreeSet<String>,
    /// Latest inventory from each gateway, by gateway id.
    pub(crate) inventories: BTreeMap<String, ReceivedInventory>,
    pub(crate) changes: Feed<ComplianceChange>,
    pub(crate) actions: Feed<TunnelAction>,
}

/// Why an administrator change was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub(crate) enum ChangeError {
    /// No device has that UEM id.
    #[error("no device is enrolled as `{0}`")]
    NoSuchDevice(String),
    /// The UEM is full.
    #[error("at most {MAX_CHANGES} devices can be enrolled")]
    Full,
}

impl State {
    /// A fresh state with a new epoch: an EPMM-style UEM that allows new devices during
    /// an outage (the reference product's default).
    pub(crate) fn fresh() -> Self {
        Self {
            version: STATE_VERSION,
            epoch: format!("{:016x}", rand::random::<u64>()),
            settings: Settings {
                new_device_when_unreachable: Some(OutagePolicy::FailOpen),
                supports_quarantine: true,
                kind: WireUemKind::Epmm,
            },
            devices: BTreeMap::new(),
            tokens: BTreeMap::new(),
            tunnel_blocks: Vec::new(),
            refused_apps: BTreeSet::new(),
            inventories: BTreeMap::new(),
            changes: Feed::default(),
            actions: Feed::default(),
        }
    }

    /// Enrols (or re-enrols) a device and records the change.
    pub(crate) fn enrol(&mut self, device: WireDevice, limit: usize) -> Result<(), ChangeError> {
        let key = device.uem_device_id.as_str().to_owned();
        if !self.devices.contains_key(&key) && self.devices.len() >= MAX_CHANGES {
            return Err(ChangeError::Full);
        }
        self.changes.push(change_of(&device), limit);
        self.devices.insert(key, device);
        Ok(())
    }

    /// Sets a device's status and records the change.
    pub(crate) fn set_status(
        &mut self,
        uem_id: &str,
        status: WireStatus,
        limit: usize,
    ) -> Result<WireDevice, ChangeError> {
        let device = self.devices.get_mut(uem_id).ok_or_else(|| ChangeError::NoSuchDevice(uem_id.to_owned()))?;
        device.status = status;
        let device = device.clone();
        self.changes.push(change_of(&device), limit);
        Ok(device)
    }

    /// Blocks or unblocks a tunnel (or all of a device's) and records the action.
    pub(crate) fn tunnel_action(&mut self, action: TunnelAction, limit: usize) {
        let same = |b: &TunnelAction| b.uem_device_id == action.uem_device_id && b.target == action.target;
        self.tunnel_blocks.retain(|b| !same(b));
        if action.action == TunnelVerb::Block {
            self.tunnel_blocks.push(action.clone());
        }
        self.actions.push(action, limit);
    }

    /// Whether a block covers this device's tunnel of `app_id` to `service`.
    pub(crate) fn tunnel_blocked(&self, uem_id: &str, app_id: &str, service: &str) -> bool {
        self.tunnel_blocks.iter().any(|b| {
            b.uem_device_id.as_str() == uem_id
                && match &b.target {
                    TunnelTarget::AllTunnels => true,
                    TunnelTarget::App { app_id: a, service: s } => a.as_str() == app_id && s.as_str() == service,
                }
        })
    }

    /// Trims both feeds to `limit` entries (a smaller limit than the file was written with).
    pub(crate) fn trim(&mut self, limit: usize) {
        self.changes.trim(limit);
        self.actions.trim(limit);
    }
}

/// The compliance change an enrolment or status change produces.
pub(crate) fn change_of(device: &WireDevice) -> ComplianceChange {
    ComplianceChange {
        uem_device_id: device.uem_device_id.clone(),
        activesync_id: device.activesync_id.clone(),
        user: device.user.clone(),
        status: device.status,
    }
}
