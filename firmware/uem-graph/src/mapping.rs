//! From Intune's two states to the decision core's `UemStatus`, and from a
//! `managedDevice` to the UEM API's device and change records.
//!
//! The rule: the stricter of what `complianceState` and `exchangeAccessState` each imply.
//! Only `compliant` and `inGracePeriod` let a device in, which is exactly what Intune's
//! own conditional access grants; a device Exchange blocks is blocked whatever its
//! compliance, and one Exchange quarantines is quarantined unless compliance already
//! blocks it. The README's table lists every cell.

use crate::wire::{ComplianceState, ExchangeAccessState, ManagedDevice};
use postern_decision::{EasDeviceId, UemDeviceId, UemStatus, UserId};
use postern_uem_api::{ComplianceChange, WireAction, WireDevice, WirePlatform, WireStatus};

/// How strict a status is, so the two halves can be combined with `max`.
fn severity(s: WireStatus) -> u8 {
    match s {
        WireStatus::Compliant => 0,
        WireStatus::Noncompliant { action: WireAction::Email } => 1,
        WireStatus::Noncompliant { action: WireAction::Monitor } => 2,
        WireStatus::Noncompliant { action: WireAction::Notify } => 3,
        WireStatus::Noncompliant { action: WireAction::Quarantine } => 4,
        WireStatus::Noncompliant { action: WireAction::Block } => 5,
        WireStatus::Blocked => 6,
        WireStatus::Wiped => 7,
    }
}

fn from_compliance(c: ComplianceState) -> WireStatus {
    match c {
        ComplianceState::Compliant => WireStatus::Compliant,
        // Intune: non-compliant "but still has access to corporate resources".
        ComplianceState::InGracePeriod => WireStatus::Noncompliant { action: WireAction::Notify },
        // Everything else is refused by Intune's own conditional access too: not
        // evaluated yet, failed, in conflict, judged elsewhere, or a value we do not know.
        ComplianceState::Noncompliant
        | ComplianceState::Conflict
        | ComplianceState::Error
        | ComplianceState::Unknown
        | ComplianceState::ConfigManager
        | ComplianceState::Unrecognised => WireStatus::Noncompliant { action: WireAction::Block },
    }
}

fn from_exchange(e: ExchangeAccessState) -> WireStatus {
    match e {
        ExchangeAccessState::None | ExchangeAccessState::Unknown | ExchangeAccessState::Allowed => {
            WireStatus::Compliant
        }
        ExchangeAccessState::Quarantined => WireStatus::Noncompliant { action: WireAction::Quarantine },
        ExchangeAccessState::Blocked => WireStatus::Blocked,
        ExchangeAccessState::Unrecognised => WireStatus::Noncompliant { action: WireAction::Block },
    }
}

/// The wire status of a device in these two states.
pub(crate) fn wire_status(c: ComplianceState, e: ExchangeAccessState) -> WireStatus {
    let (a, b) = (from_compliance(c), from_exchange(e));
    if severity(b) > severity(a) { b } else { a }
}

/// The decision core's status for a device Intune reports in these two states.
pub fn map_status(compliance: ComplianceState, exchange: ExchangeAccessState) -> UemStatus {
    wire_status(compliance, exchange).into()
}

/// The platform from Intune's `operatingSystem` (`iOS`, `iPadOS`, `Android`,
/// `AndroidForWork`, `Windows`, `macOS`, ...).
pub(crate) fn platform(os: Option<&str>) -> WirePlatform {
    let os = os.unwrap_or_default().to_ascii_lowercase();
    if os.starts_with("ios") || os.starts_with("ipados") {
        WirePlatform::Ios
    } else if os.starts_with("android") {
        WirePlatform::Android
    } else if os.starts_with("windows") {
        WirePlatform::Windows
    } else if os.starts_with("mac") {
        WirePlatform::Macos
    } else {
        WirePlatform::Other
    }
}

/// The UEM API record of a managed device; `None` when its `id` is missing or unusable
/// (such a device cannot be matched or followed, so it is left out and logged).
pub(crate) fn to_wire_device(d: &ManagedDevice) -> Option<WireDevice> {
    let id = d.id.as_deref()?;
    let uem_device_id = match UemDeviceId::new(id) {
        Ok(id) => id,
        Err(e) => {
            tracing::warn!(error = %e, "managed device with an unusable id left out");
            return None;
        }
    };
    Some(WireDevice {
        uem_device_id,
        activesync_id: d.eas_device_id.as_deref().filter(|s| !s.is_empty()).and_then(|s| EasDeviceId::new(s).ok()),
        user: d.user_principal_name.as_deref().filter(|s| !s.is_empty()).and_then(|s| UserId::new(s).ok()),
        platform: platform(d.operating_system.as_deref()),
        status: wire_status(d.compliance_state, d.exchange_access_state),
    })
}

/// The compliance record of a device for a full snapshot.
pub(crate) fn to_change(d: WireDevice) -> ComplianceChange {
    ComplianceChange { uem_device_id: d.uem_device_id, activesync_id: d.activesync_id, user: d.user, status: d.status }
}
