//! What the gateway believes about a device, and where that belief came from.

use serde::{Deserialize, Serialize};

/// A device's access state as the UEM (or the gateway's own rules) last set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum DeviceState {
    /// May reach e-mail and back ends.
    Allowed,
    /// Refused: non-compliant, blocked by an administrator, or not matched.
    Blocked,
    /// Held apart (EPMM-style UEMs): refused until released, but not blocked outright.
    Quarantined,
    /// Retired or wiped by the UEM: refused for good.
    Wiped,
    /// Not decided yet.
    #[default]
    Unknown,
}

impl DeviceState {
    /// Whether this state lets traffic through.
    pub fn permits(self) -> bool {
        matches!(self, DeviceState::Allowed)
    }

    /// Stable short name for logs and the CLI (`allowed`, `blocked`, ...).
    pub const fn code(self) -> &'static str {
        match self {
            DeviceState::Allowed => "allowed",
            DeviceState::Blocked => "blocked",
            DeviceState::Quarantined => "quarantined",
            DeviceState::Wiped => "wiped",
            DeviceState::Unknown => "unknown",
        }
    }
}

impl core::fmt::Display for DeviceState {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())
    }
}

/// How a cached state came about; it decides what happens when the UEM is back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[non_exhaustive]
pub enum Provenance {
    /// The UEM said so (first access or a check-in).
    #[default]
    Uem,
    /// Admitted or refused by the UEM-provided new-device rule while the UEM was
    /// unreachable (S3): re-evaluated as a first access when the UEM is back.
    OutageRule,
    /// An AppTunnel allowed on first access during an outage (S5): its real state comes
    /// with the next check-in.
    OutageAppTunnel,
    /// Restored from the persisted cache at start-up while the UEM was unreachable (S7).
    Persisted,
    /// Set by a gateway operator from the CLI.
    Operator,
}

impl Provenance {
    /// Stable short name for logs and the CLI (`uem`, `outage-rule`, ...).
    pub const fn code(self) -> &'static str {
        match self {
            Provenance::Uem => "uem",
            Provenance::OutageRule => "outage-rule",
            Provenance::OutageAppTunnel => "outage-apptunnel",
            Provenance::Persisted => "persisted",
            Provenance::Operator => "operator",
        }
    }
}

impl core::fmt::Display for Provenance {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.code())
    }
}
