//! `kind = "static"`: a UEM written into the configuration.

use crate::checks;
use crate::validation::{Problem, Report};
use postern_decision::{EasDeviceId, GatewayId, OutagePolicy, UemDeviceId, UserId};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::collections::hash_map::Entry;

/// A static UEM: a fixed device list and the settings a UEM provides to the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaticConnector {
    /// The devices this UEM knows (`[[uem.connector.devices]]`). Default: none. ActiveSync
    /// ids and UEM device ids must each be unique.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub devices: Vec<StaticDevice>,
    /// What this UEM tells the gateway about itself (`[uem.connector.settings]`).
    pub settings: StaticUemSettings,
}

/// One device registered with a static UEM.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticDevice {
    /// The device's ActiveSync device id. Required; 1 to 32 ASCII letters and digits.
    pub activesync_id: String,
    /// The user the device is enrolled for (UPN, e-mail or `DOMAIN\user`). Required; 1 to
    /// 256 bytes, no control characters.
    pub user: String,
    /// The UEM's own id for the device. Required; 1 to 64 bytes, no control characters.
    pub uem_id: String,
    /// Operating system family. Default `other`.
    #[serde(default)]
    pub platform: Platform,
    /// The access state the UEM reports. Required; `quarantined` needs
    /// `supports_quarantine = true`.
    pub state: ReportedState,
    /// The gateway id the device is already allowed on. Default: absent (any gateway).
    /// 1 to 64 bytes, no control characters.
    #[serde(default)]
    pub allowed_on_gateway: Option<String>,
}

/// `[uem.connector.settings]`: the settings a UEM provides to the gateway.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StaticUemSettings {
    /// What to do with a device seen for the first time while the UEM cannot be reached:
    /// `allow`, `block`, or `absent` (the default: the UEM never provided the rule, so
    /// such devices are blocked).
    #[serde(with = "absent_rule")]
    pub new_device_when_unreachable: Option<OutagePolicy>,
    /// Whether this UEM can quarantine devices (EPMM-style). Default `false`.
    pub supports_quarantine: bool,
}

/// The outage rule in TOML: the decision core's `allow` or `block`, or `absent`.
mod absent_rule {
    use postern_decision::OutagePolicy;
    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    const ABSENT: &str = "absent";

    pub(super) fn serialize<S: Serializer>(rule: &Option<OutagePolicy>, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(rule.map_or(ABSENT, OutagePolicy::code))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(input: D) -> Result<Option<OutagePolicy>, D::Error> {
        let text = String::deserialize(input)?;
        if text == ABSENT {
            return Ok(None);
        }
        OutagePolicy::from_code(&text)
            .map(Some)
            .ok_or_else(|| D::Error::unknown_variant(&text, &["allow", "block", ABSENT]))
    }
}

/// A device's operating system family (`ios`, `android`, `windows`, `macos`, `other`):
/// the decision core's.
pub use postern_decision::Platform;

/// A device's access state, as a static UEM reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportedState {
    /// `allowed`: may reach e-mail and back ends.
    Allowed,
    /// `blocked`: refused.
    Blocked,
    /// `quarantined`: held apart until released (UEMs that support quarantine only).
    Quarantined,
    /// `wiped`: retired or wiped; refused for good.
    Wiped,
}

impl StaticConnector {
    pub(crate) fn check(&self, at: &str, report: &mut Report) {
        let mut eas_ids = FirstUse::new("activesync_id");
        let mut uem_ids = FirstUse::new("uem_id");
        for (i, device) in self.devices.iter().enumerate() {
            let here = format!("{at}.devices[{i}]");
            device.check(&here, report);
            eas_ids.note(&device.activesync_id, i, at, report);
            uem_ids.note(&device.uem_id, i, at, report);
            if device.state == ReportedState::Quarantined && !self.settings.supports_quarantine {
                let requirement = format!("{at}.settings.supports_quarantine = true");
                let problem = Problem::Requires { value: "quarantined".into(), requirement };
                report.check(&here, "state", Err(problem));
            }
        }
    }
}

/// Where each value of one must-be-unique device field was first used.
struct FirstUse<'a> {
    field: &'static str,
    seen: HashMap<&'a str, usize>,
}

impl<'a> FirstUse<'a> {
    fn new(field: &'static str) -> Self {
        Self { field, seen: HashMap::new() }
    }

    /// Records `value` of device `index`, or a duplicate if an earlier device holds it.
    fn note(&mut self, value: &'a str, index: usize, at: &str, report: &mut Report) {
        match self.seen.entry(value) {
            Entry::Occupied(first) => {
                let first = format!("{at}.devices[{}].{}", first.get(), self.field);
                let problem = Problem::Duplicate { value: value.into(), first };
                report.push(format!("{at}.devices[{index}].{}", self.field), problem);
            }
            Entry::Vacant(slot) => {
                slot.insert(index);
            }
        }
    }
}

impl StaticDevice {
    fn check(&self, at: &str, report: &mut Report) {
        let letters_digits = "only ASCII letters and digits are allowed";
        report.check(at, "activesync_id", checks::identifier(&self.activesync_id, EasDeviceId::new, letters_digits));
        report.check(at, "user", checks::identifier(&self.user, UserId::new, checks::NO_CONTROL));
        report.check(at, "uem_id", checks::identifier(&self.uem_id, UemDeviceId::new, checks::NO_CONTROL));
        if let Some(gateway) = &self.allowed_on_gateway {
            report.check(at, "allowed_on_gateway", checks::identifier(gateway, GatewayId::new, checks::NO_CONTROL));
        }
    }
}
