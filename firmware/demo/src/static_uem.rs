//! A UEM held in the configuration: the demo's stand-in for a UEM server.

use crate::error::DemoError;
use postern_config::{
    DeviceState as ConfigState, NewDeviceRule, Platform as ConfigPlatform, StaticConnector,
};
use postern_decision::{
    ComplianceAction, EasDeviceId, GatewayId, OutagePolicy, Platform, RegisteredDevice,
    UemCapabilities, UemDeviceId, UemSettings, UemStatus, UnregisteredTunnel, UserId,
};

/// The devices and settings of a static UEM, converted to the decision core's types.
pub(crate) struct StaticUem {
    /// Registered devices with their current compliance.
    pub(crate) registered: Vec<RegisteredDevice>,
    /// Devices the UEM lets through another gateway.
    pub(crate) tunnels: Vec<UnregisteredTunnel>,
    /// The settings the UEM hands to the gateway.
    pub(crate) settings: UemSettings,
    /// What the UEM can do.
    pub(crate) caps: UemCapabilities,
}

impl StaticUem {
    /// Converts the configured static connector.
    pub(crate) fn from_config(config: &StaticConnector) -> Result<Self, DemoError> {
        let mut registered = Vec::with_capacity(config.devices.len());
        let mut tunnels = Vec::new();
        for (i, d) in config.devices.iter().enumerate() {
            let at = |field: &str| format!("uem.connector.devices[{i}].{field}");
            let eas = EasDeviceId::new(&d.activesync_id)
                .map_err(|source| DemoError::Identifier { setting: at("activesync_id"), source })?;
            let user = UserId::new(&d.user)
                .map_err(|source| DemoError::Identifier { setting: at("user"), source })?;
            let uem_device_id = UemDeviceId::new(&d.uem_id)
                .map_err(|source| DemoError::Identifier { setting: at("uem_id"), source })?;
            if let Some(gateway) = &d.allowed_on_gateway {
                let gateway = GatewayId::new(gateway).map_err(|source| DemoError::Identifier {
                    setting: at("allowed_on_gateway"),
                    source,
                })?;
                tunnels.push(UnregisteredTunnel {
                    eas_device_id: Some(eas.clone()),
                    user: Some(user.clone()),
                    gateway,
                });
            }
            registered.push(RegisteredDevice {
                uem_device_id,
                eas_device_id: Some(eas),
                user: Some(user),
                platform: platform(d.platform),
                status: status(d.state),
            });
        }
        let settings = match config.settings.new_device_when_unreachable {
            NewDeviceRule::Allow => UemSettings::never_received().with_outage_policy(OutagePolicy::FailOpen),
            NewDeviceRule::Block => UemSettings::never_received().with_outage_policy(OutagePolicy::FailClosed),
            NewDeviceRule::Absent => UemSettings::never_received(),
        };
        let caps = UemCapabilities::new(config.settings.supports_quarantine);
        Ok(Self { registered, tunnels, settings, caps })
    }

    /// The compliance the UEM currently reports for a device.
    pub(crate) fn status_of(&self, id: &UemDeviceId) -> Option<UemStatus> {
        self.registered.iter().find(|d| d.uem_device_id == *id).map(|d| d.status)
    }

    /// Changes what the UEM reports for a device, as an administrator or a policy
    /// violation would on a real UEM. Returns false for an unknown device.
    pub(crate) fn set_status(&mut self, id: &UemDeviceId, status: UemStatus) -> bool {
        match self.registered.iter_mut().find(|d| d.uem_device_id == *id) {
            Some(device) => {
                device.status = status;
                true
            }
            None => false,
        }
    }
}

fn platform(p: ConfigPlatform) -> Platform {
    match p {
        ConfigPlatform::Ios => Platform::Ios,
        ConfigPlatform::Android => Platform::Android,
        ConfigPlatform::Windows => Platform::Windows,
        ConfigPlatform::Macos => Platform::MacOs,
        _ => Platform::Other,
    }
}

fn status(s: ConfigState) -> UemStatus {
    match s {
        ConfigState::Allowed => UemStatus::Compliant,
        ConfigState::Blocked => UemStatus::Blocked,
        ConfigState::Quarantined => UemStatus::NonCompliant(ComplianceAction::Quarantine),
        ConfigState::Wiped => UemStatus::Wiped,
    }
}
