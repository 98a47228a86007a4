//! What the UEM reports about one device, and the state that report implies.

use crate::{ComplianceAction, DeviceState, Reason, UemCapabilities, apply_action};
use serde::{Deserialize, Serialize};

/// A device's status as the UEM reports it, on a first-access lookup or at a check-in.
///
/// A report is the whole truth at that moment: the state it implies does not depend on
/// earlier reports (except that a wipe is final; see [`crate::apply_checkin`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UemStatus {
    /// Compliant with every policy.
    Compliant,
    /// Violates a policy; the action is the strictest one the violated policies carry.
    NonCompliant(ComplianceAction),
    /// An administrator blocked the device or its tunnel.
    Blocked,
    /// Wiped or retired.
    Wiped,
}

impl UemStatus {
    /// The device state this report implies (A4 for violations: a compliant device to
    /// which the action is applied).
    pub const fn state(self, caps: UemCapabilities) -> DeviceState {
        match self {
            UemStatus::Compliant => DeviceState::Allowed,
            UemStatus::NonCompliant(action) => apply_action(DeviceState::Allowed, action, caps),
            UemStatus::Blocked => DeviceState::Blocked,
            UemStatus::Wiped => DeviceState::Wiped,
        }
    }

    /// Why the report leads to [`UemStatus::state`].
    pub const fn reason(self, caps: UemCapabilities) -> Reason {
        match self {
            UemStatus::Compliant => Reason::UemCompliant,
            UemStatus::NonCompliant(ComplianceAction::Block) => Reason::UemNonCompliant,
            UemStatus::NonCompliant(ComplianceAction::Quarantine) => {
                if !caps.known {
                    Reason::QuarantineSettingsUnknown
                } else if caps.supports_quarantine {
                    Reason::UemQuarantined
                } else {
                    Reason::QuarantineUnsupported
                }
            }
            UemStatus::NonCompliant(ComplianceAction::Email | ComplianceAction::Monitor | ComplianceAction::Notify) => {
                Reason::UemNonCompliantNotBlocking
            }
            UemStatus::Blocked => Reason::UemBlocked,
            UemStatus::Wiped => Reason::UemWiped,
        }
    }
}
