//! Builders shared by the contract tests.

use postern_decision::{
    CacheRecord, Channel, DeviceIdentity, DeviceState, EasDeviceId, EasRequest, GatewayId, Platform, Provenance,
    RegisteredDevice, UemCapabilities, UemDeviceId, UemKind, UemStatus, UnregisteredTunnel, UserId,
};

pub(crate) const EPMM: UemCapabilities = UemKind::Epmm.capabilities();
pub(crate) const NEURONS: UemCapabilities = UemKind::Neurons.capabilities();
pub(crate) const HERE: &str = "gw-here";
pub(crate) const ELSEWHERE: &str = "gw-elsewhere";

pub(crate) fn eas(s: &str) -> EasDeviceId {
    EasDeviceId::new(s).expect("test ActiveSync id is valid")
}

pub(crate) fn user(s: &str) -> UserId {
    UserId::new(s).expect("test user id is valid")
}

pub(crate) fn uem(s: &str) -> UemDeviceId {
    UemDeviceId::new(s).expect("test UEM device id is valid")
}

pub(crate) fn gateway(s: &str) -> GatewayId {
    GatewayId::new(s).expect("test gateway id is valid")
}

pub(crate) fn request(eas_id: &str, user_id: Option<&str>, platform: Platform) -> EasRequest {
    EasRequest { eas_device_id: eas(eas_id), user: user_id.map(user), platform }
}

pub(crate) fn registered(
    uem_id: &str,
    eas_id: Option<&str>,
    user_id: Option<&str>,
    platform: Platform,
    status: UemStatus,
) -> RegisteredDevice {
    RegisteredDevice {
        uem_device_id: uem(uem_id),
        eas_device_id: eas_id.map(eas),
        user: user_id.map(user),
        platform,
        status,
    }
}

pub(crate) fn tunnel(eas_id: Option<&str>, user_id: Option<&str>, on: &str) -> UnregisteredTunnel {
    UnregisteredTunnel { eas_device_id: eas_id.map(eas), user: user_id.map(user), gateway: gateway(on) }
}

pub(crate) fn record(eas_id: &str, uem_id: Option<&str>, state: DeviceState, provenance: Provenance) -> CacheRecord {
    CacheRecord {
        identity: DeviceIdentity {
            eas_device_id: Some(eas(eas_id)),
            user: Some(user("alice@corp.example")),
            uem_device_id: uem_id.map(uem),
            platform: Platform::Ios,
        },
        channel: Channel::ActiveSync,
        state,
        provenance,
    }
}
