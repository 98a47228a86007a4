//! The inputs of a first ActiveSync access: the request and the UEM's answer.

use crate::{DeviceIdentity, EasDeviceId, GatewayId, Platform, UemDeviceId, UemStatus, UserId};

/// The identity parsed from an ActiveSync request (MS-ASHTTP `DeviceId`, `User`,
/// `DeviceType`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EasRequest {
    /// The ActiveSync device id.
    pub eas_device_id: EasDeviceId,
    /// The user, when the request names one.
    pub user: Option<UserId>,
    /// Platform guessed from `DeviceType`.
    pub platform: Platform,
}

impl EasRequest {
    /// The identity to record before any UEM match.
    pub fn identity(&self) -> DeviceIdentity {
        DeviceIdentity {
            eas_device_id: Some(self.eas_device_id.clone()),
            user: self.user.clone(),
            uem_device_id: None,
            platform: self.platform,
        }
    }
}

/// A device registered with the UEM that may match the request.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RegisteredDevice {
    /// The UEM's id for the device.
    pub uem_device_id: UemDeviceId,
    /// The ActiveSync device id, if the UEM knows it.
    pub eas_device_id: Option<EasDeviceId>,
    /// The user the device is enrolled for.
    pub user: Option<UserId>,
    /// Its platform as the UEM knows it.
    pub platform: Platform,
    /// Its compliance status.
    pub status: UemStatus,
}

/// A tunnel the UEM knows of for a device it has not registered, and the gateway that
/// holds it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnregisteredTunnel {
    /// The tunnel's ActiveSync device id, if any.
    pub eas_device_id: Option<EasDeviceId>,
    /// The tunnel's user, if any.
    pub user: Option<UserId>,
    /// The gateway on which the device is allowed.
    pub gateway: GatewayId,
}

impl UnregisteredTunnel {
    /// Whether the tunnel belongs to the requesting device: by ActiveSync id when the
    /// tunnel has one, otherwise by user.
    pub fn matches(&self, request: &EasRequest) -> bool {
        match (&self.eas_device_id, &self.user) {
            (Some(eas), _) => *eas == request.eas_device_id,
            (None, Some(user)) => request.user.as_ref() == Some(user),
            (None, None) => false,
        }
    }
}

/// What asking the UEM about a first access produced. Borrowed, so the connector keeps
/// ownership of its buffers and the decision allocates nothing for the lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UemLookup<'a> {
    /// The UEM could not be reached (or did not answer in time).
    Unreachable,
    /// The UEM answered.
    Reachable {
        /// Registered devices that may match.
        registered: &'a [RegisteredDevice],
        /// Unregistered tunnels that may match, with the gateway holding each.
        tunnels: &'a [UnregisteredTunnel],
    },
}
