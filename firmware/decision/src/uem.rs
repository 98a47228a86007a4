//! The UEM as the gateway sees it: which kind it is, what it can do, and the settings it
//! hands down.

use core::fmt;
use serde::{Deserialize, Serialize};

/// The family of device-management server the gateway talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UemKind {
    /// An on-premises EPMM-style server: supports quarantine as a compliance action.
    Epmm,
    /// A cloud Neurons-style server: has no quarantine action (A4: ignored).
    Neurons,
    /// A fixed device list from the gateway's own configuration (tests, small sites).
    Static,
    /// A Microsoft Graph (Intune) tenant: compliance is compliant or not; no quarantine.
    Graph,
}

impl UemKind {
    /// What this kind of UEM can do.
    pub const fn capabilities(self) -> UemCapabilities {
        match self {
            UemKind::Epmm | UemKind::Static => UemCapabilities::new(true),
            UemKind::Neurons | UemKind::Graph => UemCapabilities::new(false),
        }
    }

    /// Stable short name for logs and configuration (`epmm`, `neurons`, ...).
    pub const fn code(self) -> &'static str {
        match self {
            UemKind::Epmm => "epmm",
            UemKind::Neurons => "neurons",
            UemKind::Static => "static",
            UemKind::Graph => "graph",
        }
    }
}

impl fmt::Display for UemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// What the connected UEM can express; decisions depend on it (A4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UemCapabilities {
    /// Whether a quarantine compliance action means anything (EPMM-style: yes).
    pub supports_quarantine: bool,
    /// Whether the UEM's settings were ever received. Until they are, a quarantine is
    /// taken as a block (A4: never let a device the UEM wants quarantined through).
    #[serde(default = "received")]
    pub known: bool,
}

const fn received() -> bool {
    true
}

impl UemCapabilities {
    /// Capabilities received from the UEM, with quarantine support as given.
    pub const fn new(supports_quarantine: bool) -> Self {
        Self { supports_quarantine, known: true }
    }

    /// Capabilities of a UEM whose settings were never received.
    pub const fn unknown() -> Self {
        Self { supports_quarantine: false, known: false }
    }
}

/// The UEM-provided rule for new ActiveSync devices while the UEM cannot be reached (S3).
/// Spelled `allow` and `block` on the wire, in the configuration and in the CLI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum OutagePolicy {
    /// `allow`: admit new devices while the UEM is unreachable, and decide them again
    /// when it is back (the reference product's default on the UEM side).
    #[serde(rename = "allow")]
    FailOpen,
    /// `block`: refuse new devices while the UEM is unreachable.
    #[serde(rename = "block")]
    FailClosed,
}

impl OutagePolicy {
    /// The rule's name: `allow` or `block`.
    pub const fn code(self) -> &'static str {
        match self {
            OutagePolicy::FailOpen => "allow",
            OutagePolicy::FailClosed => "block",
        }
    }

    /// The rule named `allow` or `block`.
    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "allow" => Some(OutagePolicy::FailOpen),
            "block" => Some(OutagePolicy::FailClosed),
            _ => None,
        }
    }
}

impl fmt::Display for OutagePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Settings the UEM hands down to the gateway.
///
/// The gateway starts with [`UemSettings::never_received`]; once the UEM has sent the
/// new-device rule it is kept (and persisted by the shell): there is deliberately no way
/// back to "never received", so a gateway that once knew the rule never falls back to
/// blocking everything because a later sync failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct UemSettings {
    outage_policy: Option<OutagePolicy>,
}

impl UemSettings {
    /// The state of a gateway that has never heard the UEM's settings: new devices are
    /// blocked during an outage (S3).
    pub const fn never_received() -> Self {
        Self { outage_policy: None }
    }

    /// Records the new-device rule just received from the UEM.
    #[must_use]
    pub const fn with_outage_policy(self, policy: OutagePolicy) -> Self {
        Self { outage_policy: Some(policy) }
    }

    /// The new-device rule, if the UEM ever sent one.
    pub const fn outage_policy(&self) -> Option<OutagePolicy> {
        self.outage_policy
    }
}
