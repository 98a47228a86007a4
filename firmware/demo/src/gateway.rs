//! The demo gateway: Postern's access service over the device cache and a static UEM that
//! the script can switch off, driven by scenario steps.

use crate::error::DemoError;
use crate::report::Row;
use postern_activesync::{ActiveSyncRequest, Method};
use postern_config::Config;
use postern_decision::{AppTunnelAnswer, Decision, EasDeviceId, EasRequest, Platform, UemDeviceId, UemStatus, UserId};
use postern_device_cache::DeviceCache;
use postern_gateway::Gateway;
use postern_uem_api::{
    AppId, ComplianceChanges, Cursor, DeviceLookup, InventoryEntry, ServiceName, Settings, TunnelActions,
};
use postern_uem_connector::{Features, StaticUem, UemConnector, UemError, UemFuture};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// A static UEM that answers only while switched on.
struct Switchable {
    uem: StaticUem,
    up: AtomicBool,
}

impl Switchable {
    fn call<'a, T: Send + 'a>(&'a self, call: UemFuture<'a, T>) -> UemFuture<'a, T> {
        if self.up.load(Ordering::SeqCst) {
            call
        } else {
            Box::pin(async {
                Err(UemError::Unreachable {
                    endpoint: "static".into(),
                    reason: "switched off by the demo script".into(),
                })
            })
        }
    }
}

impl UemConnector for Switchable {
    fn kind(&self) -> &'static str {
        "static"
    }
    fn features(&self) -> Features {
        self.uem.features()
    }
    fn register(&self) -> UemFuture<'_, Settings> {
        self.call(self.uem.register())
    }
    fn lookup<'a>(&'a self, request: &'a EasRequest) -> UemFuture<'a, DeviceLookup> {
        self.call(self.uem.lookup(request))
    }
    fn authorise_app<'a>(
        &'a self,
        device: &'a UemDeviceId,
        app: &'a AppId,
        service: &'a ServiceName,
    ) -> UemFuture<'a, AppTunnelAnswer> {
        self.call(self.uem.authorise_app(device, app, service))
    }
    fn compliance_changes<'a>(
        &'a self,
        cursor: Option<&'a Cursor>,
        wait: Duration,
    ) -> UemFuture<'a, ComplianceChanges> {
        self.call(self.uem.compliance_changes(cursor, wait))
    }
    fn tunnel_actions<'a>(&'a self, cursor: Option<&'a Cursor>, wait: Duration) -> UemFuture<'a, TunnelActions> {
        self.call(self.uem.tunnel_actions(cursor, wait))
    }
    fn push_inventory<'a>(&'a self, entries: &'a [InventoryEntry]) -> UemFuture<'a, ()> {
        self.call(self.uem.push_inventory(entries))
    }
}

/// The access service, its switchable UEM and a runtime to drive them step by step.
pub(crate) struct Demo {
    gateway: Gateway,
    uem: Arc<Switchable>,
    runtime: tokio::runtime::Runtime,
}

fn decided_by(decision: &Decision) -> &'static str {
    let code = decision.reason.code();
    if code.starts_with("cached-") {
        "cache"
    } else if code.starts_with("uem-unreachable") || code == "no-uem-setting" || code == "persisted-state" {
        "outage rule"
    } else {
        "uem"
    }
}

impl Demo {
    /// The access service the configuration describes (the appliance's set-up) over an open
    /// cache, asking `uem`, whose settings (the outage rule, S3) it has already received.
    pub(crate) fn new(config: &Config, uem: StaticUem, cache: DeviceCache) -> Result<Self, DemoError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|source| DemoError::Io { path: "async runtime".into(), source })?;
        let settings = uem.settings();
        let uem = Arc::new(Switchable { uem, up: AtomicBool::new(true) });
        let gateway = postern_appliance::setup::gateway(config, uem.clone(), cache)?;
        gateway.set_uem_settings(&settings);
        Ok(Self { gateway, uem, runtime })
    }

    /// Start-up (S7): how many ActiveSync devices and AppTunnels were restored.
    pub(crate) fn restore(&self) -> Result<(usize, usize), DemoError> {
        Ok(self.gateway.restore_at_startup()?)
    }

    /// Sets whether the UEM answers.
    pub(crate) fn set_uem(&self, up: bool) {
        self.uem.up.store(up, Ordering::SeqCst);
    }

    /// How many entries the cache holds.
    pub(crate) fn cached(&self) -> usize {
        self.gateway.cache().len()
    }

    /// Decides one ActiveSync request (S1, S2, S3, S7).
    pub(crate) fn request(&self, method: Method, target: &str) -> Result<Row, DemoError> {
        let parsed = match ActiveSyncRequest::parse(method, target.as_bytes()) {
            Ok(p) => p,
            Err(e) => return Ok(Row::rejected(target, &e.to_string())),
        };
        let Some(device_id) = parsed.device_id() else {
            return Ok(Row::rejected(target, "no device id (OPTIONS discovery is answered without a decision)"));
        };
        let eas = match EasDeviceId::new(device_id) {
            Ok(id) => id,
            Err(e) => return Ok(Row::rejected(target, &e.to_string())),
        };
        let request = EasRequest {
            eas_device_id: eas,
            user: parsed.user().and_then(|u| UserId::new(u).ok()),
            platform: parsed.device_type().map_or(Platform::Other, Platform::from_device_type),
        };
        let decision = self.runtime.block_on(self.gateway.activesync_access(&request))?;
        let mut row = Row::for_request(&parsed);
        row.decided(decision, decided_by(&decision));
        Ok(row)
    }

    /// Evaluates again, as first accesses, the devices that need it now that the UEM is
    /// back (S3, S7). Returns one row per device evaluated.
    pub(crate) fn recheck(&self) -> Result<Vec<Row>, DemoError> {
        if !self.uem.up.load(Ordering::SeqCst) {
            return Ok(Vec::new());
        }
        let decided = self.runtime.block_on(self.gateway.reevaluate_first_accesses())?;
        Ok(decided
            .into_iter()
            .map(|(request, decision)| {
                let mut row = Row::for_identity("recheck", &request.identity());
                row.decided(decision, "uem");
                row
            })
            .collect())
    }

    /// The compliance check-in (S6): the UEM's full list applied to every cached device.
    /// Returns one row per entry whose state changed.
    pub(crate) fn checkin(&self) -> Result<Vec<Row>, DemoError> {
        let Ok(changes) = self.runtime.block_on(self.uem.compliance_changes(None, Duration::ZERO)) else {
            return Ok(Vec::new());
        };
        let applied = self.gateway.apply_compliance(&changes)?;
        Ok(applied
            .changes
            .iter()
            .map(|change| {
                let label = match change.key {
                    postern_decision::AccessKey::ActiveSync(_) => "checkin (ActiveSync)",
                    postern_decision::AccessKey::AppTunnel(_) => "checkin (tunnel)",
                };
                let mut row = Row::for_identity(label, &change.identity);
                row.changed(change.from, change.to, change.reason, change.cut);
                row
            })
            .collect())
    }

    /// Changes what the UEM reports for a device.
    pub(crate) fn uem_report(&self, device: &UemDeviceId, status: UemStatus) -> bool {
        self.uem.uem.set_status(device, status)
    }

    /// An app asks for a tunnel (S4, S5); later accesses reuse the cached tunnel.
    pub(crate) fn app_tunnel(&self, device: &UemDeviceId, app: &str, service: &str) -> Result<Row, DemoError> {
        let decision = self.runtime.block_on(self.gateway.apptunnel_access(device, app, service))?;
        let known = self.uem.uem.device(device);
        let identity = postern_decision::DeviceIdentity {
            eas_device_id: known.as_ref().and_then(|d| d.eas_device_id.clone()),
            user: known.as_ref().and_then(|d| d.user.clone()),
            uem_device_id: Some(device.clone()),
            platform: known.as_ref().map_or(Platform::Other, |d| d.platform),
        };
        let mut row = Row::for_identity(&format!("tunnel to {service}"), &identity);
        row.decided(decision, decided_by(&decision));
        Ok(row)
    }
}
