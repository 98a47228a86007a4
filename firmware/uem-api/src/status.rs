//! A device's status and platform on the wire, and their decision-core equivalents.

use crate::ConvertError;
use postern_decision::{ComplianceAction, Platform, UemStatus};
use serde::{Deserialize, Serialize};

/// The action a violated policy carries: `block`, `quarantine`, `email`, `monitor`,
/// `notify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WireAction {
    /// Block the device.
    Block,
    /// Quarantine it, where the UEM supports quarantine.
    Quarantine,
    /// E-mail the user (non-blocking).
    Email,
    /// Record only (non-blocking).
    Monitor,
    /// Notify an administrator (non-blocking).
    Notify,
}

/// A device's status: `{"state": "compliant"}`, `{"state": "noncompliant", "action": …}`,
/// `{"state": "blocked"}` or `{"state": "wiped"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "lowercase")]
pub enum WireStatus {
    /// Compliant with every policy.
    Compliant,
    /// Violates a policy.
    Noncompliant {
        /// The strictest action of the violated policies.
        action: WireAction,
    },
    /// Blocked by an administrator.
    Blocked,
    /// Wiped or retired.
    Wiped,
}

/// A device's platform: `ios`, `android`, `windows`, `macos` or `other`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum WirePlatform {
    /// Apple iOS / iPadOS.
    Ios,
    /// Google Android.
    Android,
    /// Microsoft Windows.
    Windows,
    /// Apple macOS.
    Macos,
    /// Anything else.
    #[default]
    Other,
}

impl From<WireAction> for ComplianceAction {
    fn from(a: WireAction) -> Self {
        match a {
            WireAction::Block => ComplianceAction::Block,
            WireAction::Quarantine => ComplianceAction::Quarantine,
            WireAction::Email => ComplianceAction::Email,
            WireAction::Monitor => ComplianceAction::Monitor,
            WireAction::Notify => ComplianceAction::Notify,
        }
    }
}

impl TryFrom<ComplianceAction> for WireAction {
    type Error = ConvertError;
    fn try_from(a: ComplianceAction) -> Result<Self, ConvertError> {
        Ok(match a {
            ComplianceAction::Block => WireAction::Block,
            ComplianceAction::Quarantine => WireAction::Quarantine,
            ComplianceAction::Email => WireAction::Email,
            ComplianceAction::Monitor => WireAction::Monitor,
            ComplianceAction::Notify => WireAction::Notify,
            other => return Err(ConvertError::new("compliance action", other)),
        })
    }
}

impl From<WireStatus> for UemStatus {
    fn from(s: WireStatus) -> Self {
        match s {
            WireStatus::Compliant => UemStatus::Compliant,
            WireStatus::Noncompliant { action } => UemStatus::NonCompliant(action.into()),
            WireStatus::Blocked => UemStatus::Blocked,
            WireStatus::Wiped => UemStatus::Wiped,
        }
    }
}

impl TryFrom<UemStatus> for WireStatus {
    type Error = ConvertError;
    fn try_from(s: UemStatus) -> Result<Self, ConvertError> {
        Ok(match s {
            UemStatus::Compliant => WireStatus::Compliant,
            UemStatus::NonCompliant(action) => WireStatus::Noncompliant { action: action.try_into()? },
            UemStatus::Blocked => WireStatus::Blocked,
            UemStatus::Wiped => WireStatus::Wiped,
            other => return Err(ConvertError::new("UEM status", other)),
        })
    }
}

impl From<WirePlatform> for Platform {
    fn from(p: WirePlatform) -> Self {
        match p {
            WirePlatform::Ios => Platform::Ios,
            WirePlatform::Android => Platform::Android,
            WirePlatform::Windows => Platform::Windows,
            WirePlatform::Macos => Platform::MacOs,
            WirePlatform::Other => Platform::Other,
        }
    }
}

impl From<Platform> for WirePlatform {
    /// Platforms API v1 does not name travel as `other`.
    fn from(p: Platform) -> Self {
        match p {
            Platform::Ios => WirePlatform::Ios,
            Platform::Android => WirePlatform::Android,
            Platform::Windows => WirePlatform::Windows,
            Platform::MacOs => WirePlatform::Macos,
            _ => WirePlatform::Other,
        }
    }
}
