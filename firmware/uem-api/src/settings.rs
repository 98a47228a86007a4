//! The UEM-provided settings and the registration answer.

use crate::ConvertError;
use postern_decision::{GatewayId, OutagePolicy, UemCapabilities, UemKind, UemSettings};
use serde::{Deserialize, Serialize};

/// The family of UEM behind the API: `epmm` or `neurons`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WireUemKind {
    /// An on-premises EPMM-style server.
    Epmm,
    /// A cloud Neurons-style server.
    Neurons,
}

/// `GET /api/v1/settings`: what the UEM hands down to the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Settings {
    /// The new-device rule; `null` while the UEM administrator has not set one (the
    /// gateway then keeps the rule it last received, or blocks if it never had one).
    pub new_device_when_unreachable: Option<OutagePolicy>,
    /// Whether a `quarantine` action means anything (authoritative over `kind`).
    pub supports_quarantine: bool,
    /// The UEM's family.
    pub kind: WireUemKind,
}

/// `POST /api/v1/gateways/{gateway_id}/register`: the gateway is known, and these are
/// its settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Registration {
    /// The gateway id the UEM registered (the one in the path).
    pub gateway_id: GatewayId,
    /// The settings, as `GET /api/v1/settings` would answer.
    pub settings: Settings,
}

impl From<WireUemKind> for UemKind {
    fn from(k: WireUemKind) -> Self {
        match k {
            WireUemKind::Epmm => UemKind::Epmm,
            WireUemKind::Neurons => UemKind::Neurons,
        }
    }
}

impl TryFrom<UemKind> for WireUemKind {
    type Error = ConvertError;
    fn try_from(k: UemKind) -> Result<Self, ConvertError> {
        match k {
            UemKind::Epmm => Ok(WireUemKind::Epmm),
            UemKind::Neurons => Ok(WireUemKind::Neurons),
            other => Err(ConvertError::new("UEM kind", other)),
        }
    }
}

impl Settings {
    /// What the UEM can express (quarantine support as it states it).
    pub const fn capabilities(&self) -> UemCapabilities {
        UemCapabilities::new(self.supports_quarantine)
    }

    /// The gateway's settings after receiving these: the rule is recorded when present;
    /// a `null` rule keeps whatever the gateway had (never back to "never received").
    pub fn apply_to(&self, current: UemSettings) -> UemSettings {
        match self.new_device_when_unreachable {
            Some(rule) => current.with_outage_policy(rule),
            None => current,
        }
    }
}
