//! Realm and role checks (H4) for the proxies: the committed rules, the devices' last
//! Host Checker decisions, and the user the device cache knows for a device.

use crate::posture_results::PostureResults;
use postern_gateway::Gateway;
use postern_host_checker::{AccessRules, Admission, Resource};
use std::sync::{Arc, PoisonError, RwLock};

/// What the proxies consult; the daemon replaces `rules` when a commit changes them.
pub(crate) struct PostureAccess {
    /// The realm policies and roles in force.
    pub(crate) rules: Arc<RwLock<AccessRules>>,
    /// The last decision per device.
    pub(crate) results: Arc<PostureResults>,
    /// The device cache, for an AppTunnel device's user.
    pub(crate) gateway: Arc<Gateway>,
}

impl PostureAccess {
    fn rules(&self) -> std::sync::RwLockReadGuard<'_, AccessRules> {
        self.rules.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn decide(&self, resource: Resource<'_>, device: Option<&str>, user: Option<&str>) -> Option<String> {
        let rules = self.rules();
        let passed = |policy: &str| device.is_some_and(|d| self.results.passed(d, policy));
        match rules.admit(resource, user, &passed) {
            Admission::Unguarded => None,
            Admission::Role(role) => {
                tracing::debug!(device, user, role, "role admitted the device");
                None
            }
            Admission::Refused(refusal) => Some(refusal.reason()),
        }
    }
}

impl postern_proxy_apptunnel::PostureGate for PostureAccess {
    fn realm(&self, device: &str) -> Option<String> {
        let rules = self.rules();
        rules.realm_failure(&|policy| self.results.passed(device, policy)).map(|r| r.reason())
    }

    fn role(&self, device: &str, service: &str) -> Option<String> {
        let resource = Resource::Service(service);
        let user = if self.rules().needs_user(resource) {
            self.gateway.user_of_uem_device(device).unwrap_or_else(|error| {
                tracing::warn!(device, %error, "the device cache could not give the device's user");
                None
            })
        } else {
            None
        };
        self.decide(resource, Some(device), user.as_deref())
    }
}

impl postern_proxy_activesync::DevicePosture for PostureAccess {
    fn refusal(&self, device: Option<&str>, user: Option<&str>) -> Option<String> {
        self.decide(Resource::ActiveSync, device, user)
    }
}
