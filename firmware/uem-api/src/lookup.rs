//! `GET /api/v1/devices/lookup`: devices and tunnels that may match an ActiveSync device (S1).

use crate::limits::{MAX_REGISTERED_MATCHES, MAX_UNREGISTERED_TUNNELS};
use crate::{BoundedList, WirePlatform, WireStatus};
use postern_decision::{EasDeviceId, GatewayId, RegisteredDevice, UemDeviceId, UnregisteredTunnel, UserId};
use serde::{Deserialize, Serialize};

/// A device registered with the UEM.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WireDevice {
    /// The UEM's id for the device.
    pub uem_device_id: UemDeviceId,
    /// Its ActiveSync device id, if the UEM knows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activesync_id: Option<EasDeviceId>,
    /// The user it is enrolled for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// Its platform.
    #[serde(default)]
    pub platform: WirePlatform,
    /// Its compliance status.
    pub status: WireStatus,
}

/// A tunnel for a device the UEM has not registered, held by a gateway.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct WireTunnel {
    /// The tunnel's ActiveSync device id, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activesync_id: Option<EasDeviceId>,
    /// The tunnel's user, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// The gateway on which the device is allowed.
    pub gateway_id: GatewayId,
}

/// The lookup answer: at most 64 registered devices and 64 unregistered tunnels.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeviceLookup {
    /// Registered devices that may match (by ActiveSync id or user).
    pub registered: BoundedList<WireDevice, MAX_REGISTERED_MATCHES>,
    /// Unregistered tunnels on gateways other than the asking one that may match.
    pub unregistered_tunnels: BoundedList<WireTunnel, MAX_UNREGISTERED_TUNNELS>,
}

impl From<WireDevice> for RegisteredDevice {
    fn from(d: WireDevice) -> Self {
        RegisteredDevice {
            uem_device_id: d.uem_device_id,
            eas_device_id: d.activesync_id,
            user: d.user,
            platform: d.platform.into(),
            status: d.status.into(),
        }
    }
}

impl From<WireTunnel> for UnregisteredTunnel {
    fn from(t: WireTunnel) -> Self {
        UnregisteredTunnel { eas_device_id: t.activesync_id, user: t.user, gateway: t.gateway_id }
    }
}

impl From<UnregisteredTunnel> for WireTunnel {
    fn from(t: UnregisteredTunnel) -> Self {
        WireTunnel { activesync_id: t.eas_device_id, user: t.user, gateway_id: t.gateway }
    }
}

impl DeviceLookup {
    /// The answer as the decision core's lists (borrow them for `UemLookup::Reachable`).
    pub fn into_decision(self) -> (Vec<RegisteredDevice>, Vec<UnregisteredTunnel>) {
        (
            self.registered.into_iter().map(Into::into).collect(),
            self.unregistered_tunnels.into_iter().map(Into::into).collect(),
        )
    }
}
