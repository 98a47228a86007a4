//! Settings applied at commit: each committed configuration the CLI publishes is compared
//! with the last one applied, and what changed goes to the service that owns it.

use crate::checkins::Checkins;
use postern_config::Config;
use postern_gateway::Gateway;
use postern_proxy_apptunnel::AppTunnelProxy;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Applies each published configuration until the sender goes away or `stop` is set.
pub(crate) async fn apply_commits(
    mut published: watch::Receiver<Arc<Config>>,
    gateway: Arc<Gateway>,
    checkins: Arc<Checkins>,
    tunnels: Option<Arc<AppTunnelProxy>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut applied = published.borrow_and_update().clone();
    loop {
        tokio::select! {
            changed = published.changed() => if changed.is_err() { return },
            _ = stop.changed() => return,
        }
        let next = published.borrow_and_update().clone();
        apply(&applied, &next, &gateway, &checkins, tunnels.as_deref());
        applied = next;
    }
}

fn apply(before: &Config, after: &Config, gateway: &Gateway, checkins: &Checkins, tunnels: Option<&AppTunnelProxy>) {
    if before.apptunnel.idle_timeout_secs != after.apptunnel.idle_timeout_secs
        && let Some(tunnels) = tunnels
    {
        tunnels.set_idle_timeout(Duration::from_secs(after.apptunnel.idle_timeout_secs.into()));
    }
    if before.uem.checkins != after.uem.checkins {
        checkins.reconfigure(&after.uem.checkins);
        tracing::info!(
            compliance = after.uem.checkins.compliance_interval_secs,
            tunnel_actions = after.uem.checkins.tunnel_actions_interval_secs,
            inventory = after.uem.checkins.inventory_interval_secs,
            "check-in schedule applied"
        );
    }
    if before.device_cache.size != after.device_cache.size
        && let Some(size) = NonZeroU32::new(after.device_cache.size)
    {
        match gateway.cache().resize(size) {
            Ok(evicted) => tracing::info!(size = size.get(), evicted = evicted.len(), "device cache size applied"),
            Err(error) => {
                tracing::error!(size = size.get(), %error, "device cache size not applied; it applies at the next reload")
            }
        }
    }
}
