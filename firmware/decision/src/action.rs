//! A4: compliance actions and what each does to a device's state.

use crate::{DeviceState, UemCapabilities};
use core::fmt;
use serde::{Deserialize, Serialize};

/// The action a UEM policy attaches to a violation.
///
/// Ordered from least to most severe, so a connector that sees several violations can
/// report the strictest with `max()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum ComplianceAction {
    /// Send the user an e-mail: non-blocking.
    Email,
    /// Record the violation only: non-blocking.
    Monitor,
    /// Notify an administrator: non-blocking.
    Notify,
    /// Quarantine the device where the UEM supports it (EPMM-style); ignored otherwise.
    Quarantine,
    /// Block the device.
    Block,
}

impl ComplianceAction {
    /// Every action, least severe first (for tables and tests).
    pub const ALL: [ComplianceAction; 5] = [
        ComplianceAction::Email,
        ComplianceAction::Monitor,
        ComplianceAction::Notify,
        ComplianceAction::Quarantine,
        ComplianceAction::Block,
    ];

    /// Whether the action never changes access (email, monitor, notify).
    pub const fn is_non_blocking(self) -> bool {
        matches!(self, ComplianceAction::Email | ComplianceAction::Monitor | ComplianceAction::Notify)
    }

    /// Stable short name for logs (`block`, `quarantine`, `email`, ...).
    pub const fn code(self) -> &'static str {
        match self {
            ComplianceAction::Email => "email",
            ComplianceAction::Monitor => "monitor",
            ComplianceAction::Notify => "notify",
            ComplianceAction::Quarantine => "quarantine",
            ComplianceAction::Block => "block",
        }
    }
}

impl fmt::Display for ComplianceAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// How strict a state is; an action never makes a state less strict.
const fn strictness(state: DeviceState) -> u8 {
    match state {
        DeviceState::Allowed | DeviceState::Unknown => 0,
        DeviceState::Quarantined => 1,
        DeviceState::Blocked => 2,
        DeviceState::Wiped => 3,
    }
}

/// Applies one compliance action to a device state (A4).
///
/// - a wiped device stays wiped;
/// - `Block` blocks;
/// - `Quarantine` quarantines if the UEM supports it, changes nothing if it does not, and
///   blocks while the UEM's settings (and so its support) were never received;
/// - email, monitor and notify change nothing.
///
/// An action never loosens a state: quarantining a blocked device leaves it blocked.
pub const fn apply_action(state: DeviceState, action: ComplianceAction, caps: UemCapabilities) -> DeviceState {
    let target = match action {
        ComplianceAction::Block => DeviceState::Blocked,
        ComplianceAction::Quarantine if !caps.known => DeviceState::Blocked,
        ComplianceAction::Quarantine if caps.supports_quarantine => DeviceState::Quarantined,
        ComplianceAction::Quarantine
        | ComplianceAction::Email
        | ComplianceAction::Monitor
        | ComplianceAction::Notify => return state,
    };
    if strictness(target) > strictness(state) { target } else { state }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_are_ordered_by_severity() {
        let mut sorted = ComplianceAction::ALL;
        sorted.sort();
        assert_eq!(sorted, ComplianceAction::ALL);
        assert_eq!(ComplianceAction::ALL.iter().max(), Some(&ComplianceAction::Block));
    }

    #[test]
    fn quarantine_never_loosens_a_block() {
        let caps = UemCapabilities::new(true);
        assert_eq!(apply_action(DeviceState::Blocked, ComplianceAction::Quarantine, caps), DeviceState::Blocked);
    }
}
