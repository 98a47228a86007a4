//! A failed assessment ends the device's live connections to every resource whose
//! policies it no longer passes (H4), as a block does (A7).

use crate::posture_results::PostureResults;
use postern_gateway::Gateway;
use postern_proxy_apptunnel::PostureGate;
use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock};

/// Called with a device after its failed assessment was recorded.
pub(crate) type OnFailure = Arc<dyn Fn(&str) + Send + Sync>;

/// Cuts `device`'s ActiveSync devices and AppTunnels when a policy any resource requires
/// (an AppTunnel service or the ActiveSync back end) is no longer passed.
pub(crate) fn cut_on_failure(
    gateway: Arc<Gateway>,
    results: Arc<PostureResults>,
    by_service: Arc<RwLock<HashMap<String, Vec<String>>>>,
    activesync: Arc<RwLock<Vec<String>>>,
) -> OnFailure {
    Arc::new(move |device: &str| {
        let mut required: Vec<String> = activesync.read().unwrap_or_else(PoisonError::into_inner).clone();
        required.extend(by_service.read().unwrap_or_else(PoisonError::into_inner).values().flatten().cloned());
        let Some(policy) = required.iter().find(|p| !results.passed(device, p)).cloned() else { return };
        // The cache walk reads the store: off the async workers.
        let (gateway, device) = (gateway.clone(), device.to_owned());
        tokio::task::spawn_blocking(move || match gateway.cut_for_posture(&device) {
            Ok(entries) => tracing::warn!(device, %policy, entries, "posture failed: live connections cut"),
            Err(error) => tracing::error!(device, %policy, %error, "posture failed, but its connections were not cut"),
        });
    })
}
