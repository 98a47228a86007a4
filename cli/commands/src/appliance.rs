//! What every CLI session shares: the configuration store (owned by the appliance, which
//! publishes each commit and reverts an unconfirmed `commit confirmed`), the device cache,
//! the recent log events, and the hooks into the daemon.

use crate::tls::TlsControl;
use postern_config::Config;
use postern_config_store::{SharedStore, StoreGuard};
use postern_device_cache::DeviceCache;
use postern_gateway::Gateway;
use postern_logging::RecentEvents;
use postern_update_agent::UpdateAgent;
use postern_update_bundle::ImageTrust;
use std::sync::{Arc, MutexGuard};

/// The software version shown by `show version` and `show software`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Wall-clock seconds since the Unix epoch; a parameter so tests can control time.
pub type Clock = fn() -> u64;

/// Renders the check-ins' status for `show checkins`.
pub type CheckinStatus = Box<dyn Fn() -> String + Send + Sync>;

/// The state shared by all CLI sessions of one gateway.
pub struct Appliance {
    store: Arc<SharedStore>,
    gateway: Arc<Gateway>,
    logs: RecentEvents,
    clock: Clock,
    started_at: u64,
    reload: Box<dyn Fn() + Send + Sync>,
    checkins: Option<CheckinStatus>,
    services: Option<Arc<dyn crate::services::Services>>,
    updates: Result<Arc<UpdateAgent>, String>,
    image_trust: Option<ImageTrust>,
    tls: Option<Arc<dyn TlsControl>>,
    management: Option<ManagementStatus>,
    factory_reset: Option<FactoryReset>,
    host_checker: Option<crate::host_checker::HostCheckerStatus>,
    patch_list: Option<Arc<dyn crate::host_checker_patch_list::PatchListControl>>,
    accs: Option<Arc<dyn crate::accs::AccsControl>>,
    host_checker_sessions: Option<Box<dyn Fn() -> String + Send + Sync>>,
    agent_sessions: Option<Box<dyn Fn() -> String + Send + Sync>>,
    /// The configuration the services started with.
    started: Config,
    /// Settings the services apply at once (names or their first words).
    live: Vec<&'static str>,
}

/// Says where the management plane listens now, for `show management`.
pub type ManagementStatus = Box<dyn Fn() -> String + Send + Sync>;

/// Leaves the request for a factory reset where init finds it at the next boot.
pub type FactoryReset = Box<dyn Fn() -> Result<(), String> + Send + Sync>;

impl Appliance {
    /// Bundles the stores; `reload` is called when an administrator types `reload`. The
    /// configuration store is the appliance's: sessions commit through it (each commit is
    /// published to the services by the store) and the appliance reverts an unconfirmed
    /// `commit confirmed` (`SharedStore::tick`). Its running configuration now is the one
    /// the services started with.
    pub fn new(
        store: Arc<SharedStore>,
        gateway: Arc<Gateway>,
        logs: RecentEvents,
        clock: Clock,
        reload: Box<dyn Fn() + Send + Sync>,
    ) -> Self {
        let started_at = clock();
        let started = store.lock().running().clone();
        Self {
            store,
            gateway,
            logs,
            clock,
            started_at,
            reload,
            checkins: None,
            services: None,
            updates: Err("not started from a system slot".into()),
            image_trust: None,
            tls: None,
            management: None,
            factory_reset: None,
            host_checker: None,
            patch_list: None,
            accs: None,
            host_checker_sessions: None,
            agent_sessions: None,
            started,
            live: Vec::new(),
        }
    }

    /// The settings the daemon's services apply at once when a commit changes them (e.g.
    /// `tls certificate`, `uem checkin`); every other changed setting waits for `reload`.
    #[must_use]
    pub fn with_live_settings(mut self, live: Vec<&'static str>) -> Self {
        self.live = live;
        self
    }

    /// Changed settings that no service applies live: they take effect at the next `reload`.
    pub fn pending_reload(&self) -> Vec<String> {
        crate::live::pending_reload(&self.started, self.store().running(), &self.live)
    }

    /// Shows the check-ins' status with `status` (without it, `show checkins` says none run).
    #[must_use]
    pub fn with_checkins(mut self, status: CheckinStatus) -> Self {
        self.checkins = Some(status);
        self
    }

    /// The daemon's services that `test activesync|apptunnel` and `software install` wait for.
    #[must_use]
    pub fn with_services(mut self, services: Arc<dyn crate::services::Services>) -> Self {
        self.services = Some(services);
        self
    }

    /// The update agent (`software install|rollback`, `show software`), or why there is none.
    #[must_use]
    pub fn with_updates(mut self, updates: Result<Arc<UpdateAgent>, String>) -> Self {
        self.updates = updates;
        self
    }

    /// Whether the image this runs from is a production or a test image (from its image
    /// file); without it, no image line is shown (a daemon run outside an appliance image).
    #[must_use]
    pub fn with_image_trust(mut self, trust: Option<ImageTrust>) -> Self {
        self.image_trust = trust;
        self
    }

    /// The daemon's TLS identity: `show tls`, `tls import`, and serving a committed
    /// certificate at once. Without it those commands say there is none.
    #[must_use]
    pub fn with_tls(mut self, tls: Arc<dyn TlsControl>) -> Self {
        self.tls = Some(tls);
        self
    }

    /// The daemon's TLS identity, if it has one.
    pub fn tls(&self) -> Option<&dyn TlsControl> {
        self.tls.as_deref()
    }

    /// What `show management` reports as the management plane's listeners now (where SSH
    /// and metrics listen, or why they do not), asked at each `show`.
    #[must_use]
    pub fn with_management(mut self, status: ManagementStatus) -> Self {
        self.management = Some(status);
        self
    }

    /// Where the management plane listens now, as the daemon reports it.
    pub fn management_status(&self) -> Option<String> {
        self.management.as_ref().map(|status| status())
    }

    /// Whether this runs from a production or a test image, if known.
    pub fn image_trust(&self) -> Option<ImageTrust> {
        self.image_trust
    }

    /// The update agent, or why there is none.
    pub fn update_agent(&self) -> Result<&Arc<UpdateAgent>, String> {
        self.updates.as_ref().map_err(Clone::clone)
    }

    /// The access service.
    pub fn gateway(&self) -> &Arc<Gateway> {
        &self.gateway
    }

    /// Shows the Host Checker verifier's results with `status` (without it, `show
    /// host-checker results` says the verifier is not running).
    #[must_use]
    pub fn with_host_checker(mut self, status: crate::host_checker::HostCheckerStatus) -> Self {
        self.host_checker = Some(status);
        self
    }

    /// The Host Checker results table (all devices, or one), if the verifier runs.
    pub fn host_checker_results(&self, device: Option<&str>) -> Option<String> {
        self.host_checker.as_ref().map(|status| status(device))
    }

    /// Imports and shows the Host Checker's patch list through `control`.
    #[must_use]
    pub fn with_patch_list(mut self, control: Arc<dyn crate::host_checker_patch_list::PatchListControl>) -> Self {
        self.patch_list = Some(control);
        self
    }

    /// Syncs with the administrative portal through `control` (`accs config-fetch update`,
    /// `show accs`).
    #[must_use]
    pub fn with_accs(mut self, control: Arc<dyn crate::accs::AccsControl>) -> Self {
        self.accs = Some(control);
        self
    }

    /// The portal sync, if the daemon runs one.
    pub fn accs(&self) -> Option<Arc<dyn crate::accs::AccsControl>> {
        self.accs.clone()
    }

    /// Shows the verifier's open sessions with `table`.
    #[must_use]
    pub fn with_host_checker_sessions(mut self, table: Box<dyn Fn() -> String + Send + Sync>) -> Self {
        self.host_checker_sessions = Some(table);
        self
    }

    /// The table of the verifier's open sessions, if the verifier runs.
    pub fn host_checker_sessions(&self) -> Option<String> {
        self.host_checker_sessions.as_ref().map(|table| table())
    }

    /// Shows the endpoint agents' sessions with `table`.
    #[must_use]
    pub fn with_agent_sessions(mut self, table: Box<dyn Fn() -> String + Send + Sync>) -> Self {
        self.agent_sessions = Some(table);
        self
    }

    /// The table of the agents' sessions, if the control channel runs.
    pub fn agent_sessions(&self) -> Option<String> {
        self.agent_sessions.as_ref().map(|table| table())
    }

    /// The patch list store, if the daemon keeps one.
    pub fn patch_list(&self) -> Option<&dyn crate::host_checker_patch_list::PatchListControl> {
        self.patch_list.as_deref()
    }

    /// The check-ins' status table, if check-ins run.
    pub fn checkin_status(&self) -> Option<String> {
        self.checkins.as_ref().map(|status| status())
    }

    /// The daemon's services, when a daemon runs them.
    pub fn services(&self) -> Option<&dyn crate::services::Services> {
        self.services.as_deref()
    }

    /// The configuration store, locked: reads, and commits that publish themselves. A
    /// panic in another session must not lock everyone out, so a poisoned lock is taken over.
    pub fn store(&self) -> StoreGuard<'_> {
        self.store.lock()
    }

    /// The device cache.
    pub fn cache(&self) -> MutexGuard<'_, DeviceCache> {
        self.gateway.cache()
    }

    /// The recent log events.
    pub fn logs(&self) -> &RecentEvents {
        &self.logs
    }

    /// Now, in Unix seconds.
    pub fn now(&self) -> u64 {
        (self.clock)()
    }

    /// When the appliance started, in Unix seconds.
    pub fn started_at(&self) -> u64 {
        self.started_at
    }

    /// Asks the daemon to restart its software.
    pub fn request_reload(&self) {
        (self.reload)();
    }

    /// How `factory-reset confirm` asks init to erase the data area; without it the
    /// command says this gateway cannot be reset (a daemon run outside an appliance).
    #[must_use]
    pub fn with_factory_reset(mut self, request: FactoryReset) -> Self {
        self.factory_reset = Some(request);
        self
    }

    /// Leaves the factory-reset request, then reloads (on the appliance: a reboot, and
    /// init erases the data area). Says why when it cannot.
    pub fn factory_reset(&self) -> Result<(), String> {
        let request = self
            .factory_reset
            .as_ref()
            .ok_or("this gateway does not run from an appliance image: there is no data area to erase")?;
        request()?;
        self.request_reload();
        Ok(())
    }
}
