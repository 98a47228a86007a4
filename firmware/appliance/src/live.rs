//! Settings applied at commit: each committed configuration the CLI publishes is compared
//! with the last one applied, and what changed goes to the service that owns it.

use crate::checkins::Checkins;
use crate::data_plane::tls_floor;
use crate::identity_fallback::CommonNameFallback;
use crate::proxy_protocol::ListenerBalancers;
use crate::state::{connector, connector_identity, inventory_hold_secs};
use crate::uem_settings::SettingsFile;
use postern_config::Config;
use postern_decision::GatewayId;
use postern_gateway::Gateway;
use postern_proxy_activesync::ActiveSyncProxy;
use postern_proxy_apptunnel::AppTunnelProxy;
use postern_proxy_front::{CertificateWatcher, ClientAuth, ReloadOutcome};
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::watch;

/// The running services a commit reaches.
pub(crate) struct LiveServices {
    /// Decisions and the device cache.
    pub(crate) gateway: Arc<Gateway>,
    /// The UEM check-in schedule.
    pub(crate) checkins: Arc<Checkins>,
    /// Where the settings each UEM provided are kept.
    pub(crate) state_dir: PathBuf,
    /// The AppTunnel proxy, when it runs.
    pub(crate) tunnels: Option<Arc<AppTunnelProxy>>,
    /// The ActiveSync proxy, when it runs.
    pub(crate) activesync: Option<Arc<ActiveSyncProxy>>,
    /// Every TLS listener's configuration (ActiveSync, AppTunnel, Host Checker).
    pub(crate) watchers: Vec<Arc<CertificateWatcher>>,
    /// What changes the network interfaces, when this process may (through its privileged
    /// helper, or as root).
    pub(crate) interfaces: Option<crate::binder::Binder>,
    /// The PROXY protocol balancers of the proxy listeners.
    pub(crate) balancers: ListenerBalancers,
    /// The device identity fallback of the listeners beside AppTunnel that identify
    /// devices by certificate (Host Checker, the agents' control channel).
    pub(crate) common_name: Vec<CommonNameFallback>,
    /// The Host Checker roles and realm policies the proxies' gates read.
    pub(crate) access_rules: Arc<RwLock<postern_host_checker::AccessRules>>,
}

impl LiveServices {
    /// The settings these services apply at commit, as the CLI names them; the others
    /// wait for `reload`. A proxy that is not running cannot take its services or back end
    /// live (the commit may be what lets it start); a value it only reads when it starts,
    /// like the idle timeout, is in effect either way.
    pub(crate) fn settings(&self) -> Vec<&'static str> {
        let mut live = vec![
            "tls certificate",
            "tls key",
            "tls min-version",
            "device-cache size",
            "gateway-id",
            "uem checkin",
            "uem connector",
            "host-checker policy",
            "host-checker recheck-interval",
            "host-checker patch-list",
            "host-checker sasl-user",
            "shutdown-notice",
            "apptunnel idle-timeout",
            "apptunnel identity-from-common-name",
            "activesync proxy-protocol-from",
            "apptunnel proxy-protocol-from",
            "host-checker realm-policy",
            "host-checker role",
            "host-checker remediation-webhook",
            "host-checker remediation-webhook-ca",
        ];
        if self.tunnels.is_some() {
            live.extend(["apptunnel service", "apptunnel client-ca"]);
        }
        if self.activesync.is_some() {
            live.extend(["activesync backend", "activesync backend-ca"]);
        }
        if self.interfaces.is_some() {
            live.push("interface");
        }
        live
    }
}

/// Applies each published configuration until the sender goes away or `stop` is set.
pub(crate) async fn apply_commits(
    published: watch::Receiver<Arc<Config>>,
    services: LiveServices,
    stop: watch::Receiver<bool>,
) {
    each_commit(published, stop, |before, after| {
        apply(&before, &after, &services);
        let binder = services.interfaces.clone().filter(|_| before.interfaces != after.interfaces);
        async move {
            if let Some(binder) = binder {
                // Netlink is blocking, and a link brought up is waited for; the next
                // commit's change is planned from this one's, so it is awaited.
                let (before, after) = (before.interfaces.clone(), after.interfaces.clone());
                let _ =
                    tokio::task::spawn_blocking(move || crate::interfaces_live::apply(&binder, &before, &after)).await;
            }
        }
    })
    .await;
}

/// Calls `apply(applied, next)` for each configuration published until the sender goes
/// away or `stop` is set, and awaits the work it returns before taking the next one; a
/// shutdown does not wait for that work.
pub(crate) async fn each_commit<Apply, Work>(
    mut published: watch::Receiver<Arc<Config>>,
    mut stop: watch::Receiver<bool>,
    mut apply: Apply,
) where
    Apply: FnMut(Arc<Config>, Arc<Config>) -> Work,
    Work: Future<Output = ()>,
{
    let mut applied = published.borrow_and_update().clone();
    loop {
        tokio::select! {
            changed = published.changed() => if changed.is_err() { return },
            _ = stop.changed() => return,
        }
        let next = published.borrow_and_update().clone();
        let work = apply(applied, next.clone());
        tokio::select! {
            () = work => {}
            _ = stop.changed() => return,
        }
        applied = next;
    }
}

fn apply(before: &Config, after: &Config, services: &LiveServices) {
    apply_tls(before, after, &services.watchers);
    crate::proxy_protocol::apply(before, after, &services.balancers);
    crate::live_access::apply_identity_fallback(before, after, services.tunnels.as_deref(), &services.common_name);
    crate::live_access::apply_access_rules(after, &services.access_rules);
    if let Some(tunnels) = services.tunnels.as_deref() {
        apply_apptunnel(before, after, tunnels);
    }
    if let Some(proxy) = services.activesync.as_deref() {
        apply_activesync(before, after, proxy);
    }
    if before.uem.connector != after.uem.connector
        || before.gateway.id != after.gateway.id
        || inventory_hold_secs(before) != inventory_hold_secs(after)
    {
        switch_uem(after, services);
    } else if before.uem.checkins != after.uem.checkins {
        services.checkins.reconfigure(&after.uem.checkins);
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
        match services.gateway.cache().resize(size) {
            Ok(evicted) => tracing::info!(size = size.get(), evicted = evicted.len(), "device cache size applied"),
            Err(error) => {
                tracing::error!(size = size.get(), %error, "device cache size not applied; it applies at the next reload")
            }
        }
    }
}

/// `tls min-version` on every TLS listener, and `apptunnel client-ca` on those that ask
/// for device certificates (AppTunnel and Host Checker). New handshakes use them.
fn apply_tls(before: &Config, after: &Config, watchers: &[Arc<CertificateWatcher>]) {
    let floor = tls_floor(after);
    let client_ca = after
        .apptunnel
        .client_ca_file
        .clone()
        .filter(|_| before.apptunnel.client_ca_file != after.apptunnel.client_ca_file);
    if before.tls.min_version == after.tls.min_version && client_ca.is_none() {
        return;
    }
    for watcher in watchers {
        let outcome = watcher.reconfigure(|settings| {
            settings.floor = floor;
            if let (ClientAuth::Required(ca) | ClientAuth::Optional(ca), Some(new)) =
                (&mut settings.client_auth, &client_ca)
            {
                ca.clone_from(new);
            }
        });
        if let ReloadOutcome::Refused { reason } = outcome {
            tracing::error!(%reason, "TLS settings not applied; the listener keeps the previous ones");
        }
    }
}

fn apply_apptunnel(before: &Config, after: &Config, tunnels: &AppTunnelProxy) {
    if before.apptunnel.idle_timeout_secs != after.apptunnel.idle_timeout_secs {
        tunnels.set_idle_timeout(Duration::from_secs(after.apptunnel.idle_timeout_secs.into()));
    }
    if before.apptunnel.services != after.apptunnel.services
        && let Err(error) = tunnels.set_services(&after.apptunnel.services)
    {
        tracing::error!(%error, "AppTunnel services not applied; the previous ones stay in force");
    }
}

fn apply_activesync(before: &Config, after: &Config, proxy: &ActiveSyncProxy) {
    let (old, new) = (&before.activesync, &after.activesync);
    if old.backend_url == new.backend_url
        && old.backend_ca_file == new.backend_ca_file
        && before.tls.min_version == after.tls.min_version
    {
        return;
    }
    let Some(url) = new.backend_url.as_deref() else {
        tracing::error!("the ActiveSync back end was removed: the proxy keeps the previous one until reload");
        return;
    };
    if let Err(error) = proxy.set_backend(url, new.backend_ca_file.clone(), tls_floor(after)) {
        tracing::error!(%error, "ActiveSync back end not applied; the previous one stays in force");
    }
}

/// Another UEM, or the same one reached differently (address, credentials, CA, the
/// inventory hold its connector asks for, this gateway's id): a new connector takes every later call, the
/// check-ins start again with it (registration, then a full compliance pull), and the
/// UEM's settings are the ones kept for it, if any. Decisions already in the cache stay
/// until the new UEM's answers change them, as after a `reload`.
fn switch_uem(after: &Config, services: &LiveServices) {
    let gateway_id = match GatewayId::new(&after.gateway.id) {
        Ok(id) => id,
        Err(error) => {
            tracing::error!(gateway_id = %after.gateway.id, %error, "gateway id not applied; the UEM connector is unchanged");
            return;
        }
    };
    if services.gateway.id() != gateway_id {
        services.gateway.set_id(gateway_id.clone());
    }
    let uem = connector(after, &gateway_id);
    let features = uem.features();
    let identity = connector_identity(after);
    let settings_file = SettingsFile::new(&services.state_dir, &identity);
    services.gateway.switch_connector(uem, settings_file.load().as_ref());
    services.checkins.switch_uem(&after.uem.checkins, features, settings_file);
    tracing::info!(connector = %identity, gateway_id = %gateway_id, "UEM connector applied");
}
