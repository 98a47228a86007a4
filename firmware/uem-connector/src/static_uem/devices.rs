//! The configured devices, checked and put into the API's terms.

use crate::SetupError;
use postern_config::{ReportedState, StaticConnector, StaticDevice};
use postern_decision::{EasDeviceId, GatewayId, IdError, UemDeviceId, UserId};
use postern_uem_api::{MAX_CHANGES, WireAction, WireDevice, WireStatus};

/// The setting path of the device list.
pub(super) const DEVICES: &str = "uem.connector.devices";

/// One device of a static UEM, and the version of its last status change (0: as
/// configured).
#[derive(Debug, Clone)]
pub(super) struct Device {
    /// The device as a UEM reports it.
    pub(super) wire: WireDevice,
    /// The gateway the device is allowed on, if the configuration pins it to one.
    pub(super) allowed_on: Option<GatewayId>,
    /// When its status last changed.
    pub(super) changed_at: u64,
}

/// Checks and converts every configured device, in order.
pub(super) fn convert(config: &StaticConnector) -> Result<Vec<Device>, SetupError> {
    if config.devices.len() > MAX_CHANGES {
        return Err(SetupError::TooManyDevices {
            setting: DEVICES.to_owned(),
            count: config.devices.len(),
            max: MAX_CHANGES,
        });
    }
    config.devices.iter().enumerate().map(|(i, d)| device(i, d)).collect()
}

fn device(index: usize, d: &StaticDevice) -> Result<Device, SetupError> {
    let at = |field: &str| {
        let setting = format!("{DEVICES}[{index}].{field}");
        move |source: IdError| SetupError::Identifier { setting, source }
    };
    let activesync_id = EasDeviceId::new(&d.activesync_id).map_err(at("activesync_id"))?;
    let user = UserId::new(&d.user).map_err(at("user"))?;
    let uem_device_id = UemDeviceId::new(&d.uem_id).map_err(at("uem_id"))?;
    let allowed_on =
        d.allowed_on_gateway.as_deref().map(GatewayId::new).transpose().map_err(at("allowed_on_gateway"))?;
    Ok(Device {
        wire: WireDevice {
            uem_device_id,
            activesync_id: Some(activesync_id),
            user: Some(user),
            platform: d.platform.into(),
            status: status(d.state),
        },
        allowed_on,
        changed_at: 0,
    })
}

/// A configured access state as the status a UEM would report for it.
fn status(s: ReportedState) -> WireStatus {
    match s {
        ReportedState::Allowed => WireStatus::Compliant,
        ReportedState::Blocked => WireStatus::Blocked,
        ReportedState::Quarantined => WireStatus::Noncompliant { action: WireAction::Quarantine },
        ReportedState::Wiped => WireStatus::Wiped,
    }
}
