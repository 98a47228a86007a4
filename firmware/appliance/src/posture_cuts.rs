//! A failed assessment ends the device's live connections when it no longer passes a
//! policy a realm or a role requires (H4), as a block does (A7).

use crate::posture_results::PostureResults;
use postern_gateway::Gateway;
use postern_host_checker::AccessRules;
use std::sync::{Arc, PoisonError, RwLock};

/// Called with a device after its failed assessment was recorded.
pub(crate) type OnFailure = Arc<dyn Fn(&str) + Send + Sync>;

/// Cuts `device`'s ActiveSync devices and AppTunnels when a policy a realm or any role
/// requires is no longer passed (the proxies then decide its next requests anew, so a
/// user with a role that still admits the device gets back in at once).
pub(crate) fn cut_on_failure(
    gateway: Arc<Gateway>,
    results: Arc<PostureResults>,
    rules: Arc<RwLock<AccessRules>>,
) -> OnFailure {
    Arc::new(move |device: &str| {
        let policy = {
            let rules = rules.read().unwrap_or_else(PoisonError::into_inner);
            rules.required_policies().find(|p| !results.passed(device, p)).map(str::to_owned)
        };
        let Some(policy) = policy else { return };
        // The cache walk reads the store: off the async workers.
        let (gateway, device) = (gateway.clone(), device.to_owned());
        tokio::task::spawn_blocking(move || match gateway.cut_for_posture(&device) {
            Ok(entries) => tracing::warn!(device, %policy, entries, "posture failed: live connections cut"),
            Err(error) => tracing::error!(device, %policy, %error, "posture failed, but its connections were not cut"),
        });
    })
}
