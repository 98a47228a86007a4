//! `kind = "static"`: a UEM written into the gateway's own configuration (a single box,
//! the demo, tests).

mod connector_impl;
mod devices;
mod feed;
#[cfg(test)]
mod tests;

use crate::SetupError;
use devices::Device;
use feed::FeedId;
use postern_config::StaticConnector;
use postern_decision::{
    GatewayId, RegisteredDevice, UemCapabilities, UemDeviceId, UemSettings, UemStatus, UnregisteredTunnel,
};
use postern_uem_api::{Settings, WireStatus, WireUemKind};
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

/// A UEM held in the configuration: a fixed device list whose statuses only
/// [`StaticUem::set_status`] changes, and the settings it hands to the gateway.
///
/// It has no app list (every app is authorised), no traffic rules, no administrator
/// actions on tunnels and takes no inventory; its compliance feed answers at once.
#[derive(Debug)]
pub struct StaticUem {
    gateway: GatewayId,
    settings: Settings,
    feed: FeedId,
    state: RwLock<State>,
}

#[derive(Debug)]
struct State {
    devices: Vec<Device>,
    /// Status changes so far.
    version: u64,
}

impl StaticUem {
    /// Builds the UEM from `[uem.connector]` (kind `static`) for the gateway `gateway`.
    /// Errors name the setting at fault, e.g. `uem.connector.devices[2].user`.
    pub fn from_config(config: &StaticConnector, gateway: &GatewayId) -> Result<Self, SetupError> {
        let devices = devices::convert(config)?;
        let supports_quarantine = config.settings.supports_quarantine;
        let settings = Settings {
            new_device_when_unreachable: config.settings.new_device_when_unreachable,
            supports_quarantine,
            // API v1 names no `static` family: report the one whose capabilities match.
            kind: if supports_quarantine { WireUemKind::Epmm } else { WireUemKind::Neurons },
        };
        Ok(Self {
            gateway: gateway.clone(),
            settings,
            feed: FeedId::new(config, gateway),
            state: RwLock::new(State { devices, version: 0 }),
        })
    }

    /// The settings this UEM hands to the gateway, in API terms (what `register` answers).
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// The gateway's settings once it has received this UEM's (starting from nothing).
    pub fn uem_settings(&self) -> UemSettings {
        self.settings.apply_to(UemSettings::never_received())
    }

    /// What this UEM can express (quarantine support as configured).
    pub fn capabilities(&self) -> UemCapabilities {
        self.settings.capabilities()
    }

    /// How many devices the UEM knows.
    pub fn device_count(&self) -> usize {
        self.read().devices.len()
    }

    /// Every device with its current status, in configuration order.
    pub fn registered(&self) -> Vec<RegisteredDevice> {
        let state = self.read();
        state.devices.iter().map(|d| d.wire.clone().into()).collect()
    }

    /// One device with its current status.
    pub fn device(&self, id: &UemDeviceId) -> Option<RegisteredDevice> {
        let state = self.read();
        let found = state.devices.iter().find(|d| d.wire.uem_device_id == *id);
        found.map(|d| d.wire.clone().into())
    }

    /// The devices allowed on a gateway other than this one, as the tunnels a lookup
    /// reports for them.
    pub fn tunnels_elsewhere(&self) -> Vec<UnregisteredTunnel> {
        let state = self.read();
        state.devices.iter().filter_map(|d| self.tunnel_elsewhere(d)).collect()
    }

    /// The status the UEM currently reports for a device.
    pub fn status_of(&self, id: &UemDeviceId) -> Option<UemStatus> {
        self.device(id).map(|d| d.status)
    }

    /// Changes what the UEM reports for a device, as an administrator or a policy
    /// violation would on a real UEM; the compliance feed reports the change. Returns
    /// false, changing nothing, for an unknown device or a status API v1 cannot express.
    pub fn set_status(&self, id: &UemDeviceId, status: UemStatus) -> bool {
        let Ok(wire) = WireStatus::try_from(status) else {
            return false;
        };
        let mut state = self.state.write().unwrap_or_else(PoisonError::into_inner);
        let version = state.version + 1;
        let Some(device) = state.devices.iter_mut().find(|d| d.wire.uem_device_id == *id) else {
            return false;
        };
        device.wire.status = wire;
        device.changed_at = version;
        state.version = version;
        true
    }

    fn read(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn tunnel_elsewhere(&self, d: &Device) -> Option<UnregisteredTunnel> {
        let gateway = d.allowed_on.as_ref().filter(|g| **g != self.gateway)?;
        Some(UnregisteredTunnel {
            eas_device_id: d.wire.activesync_id.clone(),
            user: d.wire.user.clone(),
            gateway: gateway.clone(),
        })
    }
}
