//! Realm and role checks (H4) for the proxies: the committed rules, the devices' last
//! Host Checker decisions, and the user the device cache knows for a device.

use crate::posture_results::PostureResults;
use postern_gateway::Gateway;
use postern_host_checker::{AccessRules, Admission, Resource};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// UEM devices whose user is remembered; beyond this the memory starts afresh.
const USERS_REMEMBERED: usize = 20_000;

/// What the proxies consult; the daemon replaces `rules` when a commit changes them.
pub(crate) struct PostureAccess {
    /// The realm policies and roles in force.
    rules: Arc<RwLock<AccessRules>>,
    /// The last decision per device.
    results: Arc<PostureResults>,
    /// The device cache, for an AppTunnel device's user.
    gateway: Arc<Gateway>,
    /// UEM device → its user, learned from its ActiveSync requests or found once in the
    /// device cache (that UEM device's entries), so tunnels seldom read the cache.
    users: Mutex<HashMap<String, Option<String>>>,
}

impl PostureAccess {
    /// The gate over `rules` and `results`, finding users through `gateway`.
    pub(crate) fn new(rules: Arc<RwLock<AccessRules>>, results: Arc<PostureResults>, gateway: Arc<Gateway>) -> Self {
        Self { rules, results, gateway, users: Mutex::new(HashMap::new()) }
    }

    fn remember(&self, device: &str, user: Option<String>) {
        let mut users = self.users.lock().unwrap_or_else(PoisonError::into_inner);
        if users.len() >= USERS_REMEMBERED && !users.contains_key(device) {
            users.clear();
        }
        users.insert(device.to_owned(), user);
    }

    /// The user of UEM device `device`: remembered, or found in the device cache.
    fn user_of(&self, device: &str) -> Option<String> {
        if let Some(user) = self.users.lock().unwrap_or_else(PoisonError::into_inner).get(device) {
            return user.clone();
        }
        let user = self.gateway.user_of_uem_device(device).unwrap_or_else(|error| {
            tracing::warn!(device, %error, "the device cache could not give the device's user");
            None
        });
        self.remember(device, user.clone());
        user
    }

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
        let user = if self.rules().needs_user(resource) { self.user_of(device) } else { None };
        self.decide(resource, Some(device), user.as_deref())
    }
}

impl postern_proxy_activesync::DevicePosture for PostureAccess {
    fn refusal(&self, device: &dyn Fn() -> Option<String>, user: Option<&str>) -> Option<String> {
        {
            let rules = self.rules();
            // Neither this request's answer nor any role's choice of users needs the device.
            if rules.leaves_open(Resource::ActiveSync) && !rules.picks_users() {
                return None;
            }
        }
        let device = device();
        let device = device.as_deref();
        if let (Some(device), Some(user)) = (device, user) {
            let known = self
                .users
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(device)
                .is_some_and(|known| known.as_deref() == Some(user));
            if !known {
                self.remember(device, Some(user.to_owned()));
            }
        }
        self.decide(Resource::ActiveSync, device, user)
    }
}
