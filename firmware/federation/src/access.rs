//! Conditional access: which sign-ins pass, by device posture, platform, app, source
//! network and the user's groups. Rules are tried in order; the first match decides; a
//! sign-in no rule matches is denied.

use std::net::IpAddr;

mod prefix;
pub use prefix::{IpPrefix, PrefixError};

/// The device's standing as the gateway knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Posture {
    /// In the device cache (managed by the UEM) and compliant.
    ManagedCompliant,
    /// In the device cache but not compliant.
    ManagedNonCompliant,
    /// Not identified, or not known to the device cache.
    Unmanaged,
}

/// What the device cache says about one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    /// Platform name as the UEM reports it (`iOS`, `Android`, `Windows`…).
    pub platform: String,
    /// Whether the UEM calls it compliant.
    pub compliant: bool,
}

/// Looks devices up by id; the gateway's device cache implements it.
pub trait DeviceDirectory {
    /// The record of `device_id`, or `None` when the device is not managed.
    fn lookup(&self, device_id: &str) -> Option<DeviceRecord>;
}

/// How a browser sign-in was tied to a device (see docs/access.md).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceBinding {
    /// A device certificate from the AppTunnel client CA was presented on the federation listener.
    Certificate {
        /// The device id the certificate names.
        device_id: String,
    },
    /// The request came through an AppTunnel, which names its device and app.
    AppTunnel {
        /// The tunnel's device id.
        device_id: String,
        /// The app the tunnel carries.
        app: String,
    },
    /// Neither: the device is unidentified.
    Unidentified,
}

/// Everything the rules look at for one sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInContext {
    /// The device id, when the sign-in was tied to one.
    pub device_id: Option<String>,
    /// The device's posture.
    pub posture: Posture,
    /// The device's platform, when known.
    pub platform: Option<String>,
    /// The app, when the sign-in came through an AppTunnel.
    pub app: Option<String>,
    /// The browser's source address.
    pub source: IpAddr,
    /// The user's groups from the IdP's assertion.
    pub groups: Vec<String>,
}

impl SignInContext {
    /// Builds the context of a sign-in, looking the bound device up in `directory`.
    pub fn new(binding: &DeviceBinding, directory: &dyn DeviceDirectory, source: IpAddr, groups: Vec<String>) -> Self {
        let (device_id, app) = match binding {
            DeviceBinding::Certificate { device_id } => (Some(device_id.clone()), None),
            DeviceBinding::AppTunnel { device_id, app } => (Some(device_id.clone()), Some(app.clone())),
            DeviceBinding::Unidentified => (None, None),
        };
        let record = device_id.as_deref().and_then(|id| directory.lookup(id));
        let posture = match &record {
            Some(record) if record.compliant => Posture::ManagedCompliant,
            Some(_) => Posture::ManagedNonCompliant,
            None => Posture::Unmanaged,
        };
        Self { device_id, posture, platform: record.map(|r| r.platform), app, source, groups }
    }
}

/// What a rule does with a sign-in it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// The sign-in goes on to the cloud service.
    Allow,
    /// The sign-in stops on a page that says why and what to do.
    Deny {
        /// Why, for the user.
        reason: String,
        /// What to do about it, for the user.
        remedy: String,
    },
    /// The sign-in goes on after a page with this warning.
    Warn {
        /// The warning shown before continuing.
        message: String,
    },
}

/// One conditional access rule; an empty list matches anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Name, for reports and logs.
    pub name: String,
    /// Postures the rule applies to.
    pub postures: Vec<Posture>,
    /// Platforms (case-insensitive) the rule applies to.
    pub platforms: Vec<String>,
    /// Apps (AppTunnel app names) the rule applies to.
    pub apps: Vec<String>,
    /// Source prefixes the rule applies to.
    pub networks: Vec<IpPrefix>,
    /// Groups of which the user must be in at least one.
    pub groups: Vec<String>,
    /// What happens on a match.
    pub action: Action,
}

impl Rule {
    /// Whether the rule applies to `context`.
    pub fn matches(&self, context: &SignInContext) -> bool {
        let any = |list: &[String], value: Option<&str>| {
            list.is_empty() || value.is_some_and(|v| list.iter().any(|item| item.eq_ignore_ascii_case(v)))
        };
        (self.postures.is_empty() || self.postures.contains(&context.posture))
            && any(&self.platforms, context.platform.as_deref())
            && any(&self.apps, context.app.as_deref())
            && (self.networks.is_empty() || self.networks.iter().any(|net| net.contains(context.source)))
            && (self.groups.is_empty() || self.groups.iter().any(|group| context.groups.contains(group)))
    }
}

/// The outcome of the rules for one sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The rule that matched, or `None` when none did.
    pub rule: Option<String>,
    /// What happens.
    pub action: Action,
}

/// Tries `rules` in order on `context`; the first match decides, no match denies.
pub fn evaluate(rules: &[Rule], context: &SignInContext) -> Decision {
    match rules.iter().find(|rule| rule.matches(context)) {
        Some(rule) => Decision { rule: Some(rule.name.clone()), action: rule.action.clone() },
        None => Decision {
            rule: None,
            action: Action::Deny {
                reason: "No access rule allows this sign-in.".into(),
                remedy: "Ask your administrator which devices and networks may use this service.".into(),
            },
        },
    }
}

#[cfg(test)]
mod tests;
