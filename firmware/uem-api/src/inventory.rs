//! `PUT /api/v1/gateways/{gateway_id}/inventory`: the gateway's tunnels, for the UEM's view (S8).

use crate::limits::MAX_INVENTORY_ENTRIES;
use crate::{AppId, BoundedList, ConvertError, ServiceName};
use postern_decision::{DeviceState, EasDeviceId, UemDeviceId, UserId};
use serde::{Deserialize, Serialize};

/// Which kind of tunnel: `activesync` or `apptunnel`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum InventoryKind {
    /// An ActiveSync device.
    Activesync,
    /// An app tunnel.
    Apptunnel,
}

/// A tunnel's state at the gateway: `allowed`, `blocked`, `quarantined`, `wiped`,
/// `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WireDeviceState {
    /// Traffic passes.
    Allowed,
    /// Refused.
    Blocked,
    /// Held apart.
    Quarantined,
    /// Wiped.
    Wiped,
    /// Not decided yet.
    Unknown,
}

/// One tunnel the gateway holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct InventoryEntry {
    /// ActiveSync device or app tunnel.
    pub kind: InventoryKind,
    /// The ActiveSync device id, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activesync_id: Option<EasDeviceId>,
    /// The user, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// The UEM's device id, once matched (absent for an unregistered device).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uem_device_id: Option<UemDeviceId>,
    /// The app (app tunnels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_id: Option<AppId>,
    /// The service (app tunnels).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceName>,
    /// Its state at the gateway.
    pub state: WireDeviceState,
}

/// The whole inventory of one gateway (replaces the previous one): at most 50 000 entries.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct InventoryReport {
    /// The tunnels.
    pub entries: BoundedList<InventoryEntry, MAX_INVENTORY_ENTRIES>,
    /// How long, in seconds from its arrival, this report stands for the gateway's
    /// holdings unless a newer one replaces it ([`HOLD_SECS`]). Once it lapses the UEM
    /// treats the gateway as holding nothing: its devices are no longer "allowed on
    /// another gateway" and leave the merged inventory. Absent: until replaced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_secs: Option<u32>,
}

/// Allowed values of [`InventoryReport::hold_secs`].
pub const HOLD_SECS: core::ops::RangeInclusive<u32> = 1..=86_400;

impl From<WireDeviceState> for DeviceState {
    fn from(s: WireDeviceState) -> Self {
        match s {
            WireDeviceState::Allowed => DeviceState::Allowed,
            WireDeviceState::Blocked => DeviceState::Blocked,
            WireDeviceState::Quarantined => DeviceState::Quarantined,
            WireDeviceState::Wiped => DeviceState::Wiped,
            WireDeviceState::Unknown => DeviceState::Unknown,
        }
    }
}

impl TryFrom<DeviceState> for WireDeviceState {
    type Error = ConvertError;
    fn try_from(s: DeviceState) -> Result<Self, ConvertError> {
        Ok(match s {
            DeviceState::Allowed => WireDeviceState::Allowed,
            DeviceState::Blocked => WireDeviceState::Blocked,
            DeviceState::Quarantined => WireDeviceState::Quarantined,
            DeviceState::Wiped => WireDeviceState::Wiped,
            DeviceState::Unknown => WireDeviceState::Unknown,
            other => return Err(ConvertError::new("device state", other)),
        })
    }
}
