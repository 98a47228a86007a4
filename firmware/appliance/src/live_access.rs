//! Settings applied at commit that decide who passes: the device identity fallback
//! (`apptunnel identity-from-common-name`) and the Host Checker's roles and realm
//! policies.

use crate::identity_fallback::CommonNameFallback;
use postern_config::Config;
use postern_host_checker::AccessRules;
use postern_proxy_apptunnel::AppTunnelProxy;
use std::sync::{PoisonError, RwLock};

/// `apptunnel identity-from-common-name` for the AppTunnel proxy and every other listener
/// that identifies devices by certificate: connections accepted from now on follow it.
pub(crate) fn apply_identity_fallback(
    before: &Config,
    after: &Config,
    tunnels: Option<&AppTunnelProxy>,
    listeners: &[CommonNameFallback],
) {
    let on = after.apptunnel.identity_from_common_name;
    if before.apptunnel.identity_from_common_name == on {
        return;
    }
    if let Some(tunnels) = tunnels {
        tunnels.set_identity_from_common_name(on);
    }
    for listener in listeners {
        listener.set(on);
    }
    tracing::info!(identity_from_common_name = on, listeners = listeners.len(), "device identity fallback applied");
}

/// `host-checker role …` and `host-checker realm-policy …`: the gates of the proxies and
/// the verifier's cuts read them at the next request.
pub(crate) fn apply_access_rules(after: &Config, rules: &RwLock<AccessRules>) {
    let wanted = after.host_checker.access_rules();
    let mut rules = rules.write().unwrap_or_else(PoisonError::into_inner);
    if *rules != wanted {
        *rules = wanted;
        tracing::info!(
            roles = rules.roles.len(),
            realm_policies = rules.realm_policies.len(),
            "Host Checker roles and realm policies applied"
        );
    }
}
