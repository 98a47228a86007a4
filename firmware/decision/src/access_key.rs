//! What one grant of access is known by: an ActiveSync device, or one AppTunnel.

use crate::{AppId, Channel, EasDeviceId, ServiceName, UemDeviceId};
use core::fmt;

/// One AppTunnel: an app on an enrolled device reaching one service.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TunnelKey {
    /// The UEM's id for the device.
    pub uem_device_id: UemDeviceId,
    /// The app using the tunnel.
    pub app_id: AppId,
    /// The service the tunnel reaches.
    pub service: ServiceName,
}

/// What the gateway decides, caches and cuts: an ActiveSync device or one AppTunnel.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AccessKey {
    /// An ActiveSync device, by its ActiveSync device id.
    ActiveSync(EasDeviceId),
    /// An AppTunnel.
    AppTunnel(TunnelKey),
}

impl AccessKey {
    /// The way in this key names.
    pub const fn channel(&self) -> Channel {
        match self {
            AccessKey::ActiveSync(_) => Channel::ActiveSync,
            AccessKey::AppTunnel(_) => Channel::AppTunnel,
        }
    }
}

impl fmt::Display for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AccessKey::ActiveSync(id) => write!(f, "activesync:{id}"),
            AccessKey::AppTunnel(t) => {
                write!(f, "apptunnel:{}/{}/{}", t.uem_device_id, t.app_id.as_str(), t.service.as_str())
            }
        }
    }
}
