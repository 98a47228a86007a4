//! The demo gateway: the decision core and the device cache, driven by scenario steps.

use crate::error::DemoError;
use crate::report::Row;
use postern_activesync::{ActiveSyncRequest, Method};
use postern_decision::{
    AppTunnelLookup, CacheUpdate, DeviceIdentity, EasDeviceId, EasRequest, FirstAccess, GatewayId,
    Platform, Provenance, UemDeviceId, UemLookup, UemStatus, UserId, apply_checkin, decide_cached,
    decide_first_access, decide_first_apptunnel, needs_first_access, restore_at_startup,
};
use postern_device_cache::{AppId, AppTunnelKey, CacheKey, DeviceCache, DeviceRecord, KeyKind, ServiceName};
use postern_uem_connector::StaticUem;

/// Every device the demo cache can hold is read back at once: the demo cache is small.
const SCAN_LIMIT: usize = 1_000_000;

/// The decision core, the device cache and a static UEM that can be switched off.
pub(crate) struct Gateway {
    id: GatewayId,
    uem: StaticUem,
    uem_up: bool,
    cache: DeviceCache,
    now_ms: fn() -> u64,
}

impl Gateway {
    /// A gateway over an open cache.
    pub(crate) fn new(id: GatewayId, uem: StaticUem, cache: DeviceCache, now_ms: fn() -> u64) -> Self {
        Self { id, uem, uem_up: true, cache, now_ms }
    }

    /// Start-up (S7): ActiveSync records are marked to be evaluated again as first
    /// accesses; returns how many ActiveSync devices and AppTunnels were reloaded.
    pub(crate) fn restore(&mut self) -> Result<(usize, usize), DemoError> {
        let now = (self.now_ms)();
        let devices = self.cache.entries(KeyKind::ActiveSync, SCAN_LIMIT)?;
        let restored: Vec<_> = devices
            .iter()
            .map(|(key, rec)| {
                let record = restore_at_startup(rec.to_decision(key));
                (key.clone(), DeviceRecord::from_decision(record, Some(rec), now))
            })
            .collect();
        self.cache.upsert_batch(&restored)?;
        let tunnels = self.cache.app_tunnels(self.cache.capacity().get() as usize)?;
        Ok((restored.len(), tunnels.len()))
    }

    /// Sets whether the UEM answers.
    pub(crate) fn set_uem(&mut self, up: bool) {
        self.uem_up = up;
    }

    /// How many entries the cache holds.
    pub(crate) fn cached(&self) -> usize {
        self.cache.len()
    }

    /// Decides one ActiveSync request (S1, S2, S3, S7).
    pub(crate) fn request(&mut self, method: Method, target: &str) -> Result<Row, DemoError> {
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
            eas_device_id: eas.clone(),
            user: parsed.user().and_then(|u| UserId::new(u).ok()),
            platform: parsed.device_type().map_or(Platform::Other, Platform::from_device_type),
        };
        let mut row = Row::for_request(&parsed);
        let key = CacheKey::ActiveSync(eas);
        let cached = self.cache.lookup(&key);
        let revisit = matches!(
            cached.map(|c| c.provenance),
            Some(Provenance::OutageRule | Provenance::Persisted)
        );
        if let Some(state) = cached.filter(|_| !(revisit && self.uem_up)) {
            self.cache.touch(&key);
            row.decided(decide_cached(state.state, state.provenance), "cache");
            return Ok(row);
        }
        let previous = self.cache.record(&key)?;
        let decision = self.first_access(&key, &request, previous.as_ref())?;
        row.decided(decision, if self.uem_up { "uem" } else { "outage rule" });
        Ok(row)
    }

    fn first_access(
        &mut self,
        key: &CacheKey,
        request: &EasRequest,
        previous: Option<&postern_device_cache::DeviceRecord>,
    ) -> Result<postern_decision::Decision, DemoError> {
        let previous_decided = previous.map(|p| p.to_decision(key));
        let answer = self.uem_up.then(|| (self.uem.registered(), self.uem.tunnels_elsewhere()));
        let lookup = match &answer {
            Some((registered, tunnels)) => UemLookup::Reachable { registered, tunnels },
            None => UemLookup::Unreachable,
        };
        let outcome = decide_first_access(&FirstAccess {
            request,
            gateway: &self.id,
            lookup,
            settings: self.uem.uem_settings(),
            caps: self.uem.capabilities(),
            previous: previous_decided.as_ref(),
        });
        match outcome.cache {
            CacheUpdate::Store(record) => {
                let stored = DeviceRecord::from_decision(record, previous, (self.now_ms)());
                let evicted = self.cache.upsert(key, &stored)?;
                if !evicted.is_empty() {
                    tracing::info!(evicted = evicted.len(), "device cache full: least recently used entries evicted");
                }
            }
            CacheUpdate::Forget => {
                self.cache.remove(key)?;
            }
        }
        Ok(outcome.decision)
    }

    /// Evaluates again, as first accesses, the devices that need it now that the UEM is
    /// back (S3, S7). Returns one row per device evaluated.
    pub(crate) fn recheck(&mut self) -> Result<Vec<Row>, DemoError> {
        if !self.uem_up {
            return Ok(Vec::new());
        }
        let mut rows = Vec::new();
        for (key, stored) in self.cache.entries(KeyKind::ActiveSync, SCAN_LIMIT)? {
            let record = stored.to_decision(&key);
            let Some(eas) = record.identity.eas_device_id.clone().filter(|_| needs_first_access(&record)) else {
                continue;
            };
            let request = EasRequest { eas_device_id: eas, user: record.identity.user.clone(), platform: record.identity.platform };
            let decision = self.first_access(&key, &request, Some(&stored))?;
            let mut row = Row::for_identity("recheck", &record.identity);
            row.decided(decision, "uem");
            rows.push(row);
        }
        Ok(rows)
    }

    /// The compliance check-in (S6): every cached device matched to the UEM gets the
    /// UEM's current status. Returns one row per device whose state changed.
    pub(crate) fn checkin(&mut self) -> Result<Vec<Row>, DemoError> {
        if !self.uem_up {
            return Ok(Vec::new());
        }
        let mut rows = Vec::new();
        let mut writes = Vec::new();
        let now = (self.now_ms)();
        let mut entries = self.cache.entries(KeyKind::ActiveSync, SCAN_LIMIT)?;
        entries.extend(self.cache.app_tunnels(SCAN_LIMIT)?);
        for (key, stored) in entries {
            let record = stored.to_decision(&key);
            let Some(status) = record.identity.uem_device_id.as_ref().and_then(|id| self.uem.status_of(id)) else {
                continue;
            };
            let outcome = apply_checkin(record.clone(), status, self.uem.capabilities());
            if outcome.record == record {
                continue;
            }
            let label = match key.kind() {
                KeyKind::ActiveSync => "checkin (ActiveSync)",
                KeyKind::AppTunnel => "checkin (tunnel)",
            };
            let mut row = Row::for_identity(label, &outcome.record.identity);
            row.changed(record.state, outcome.record.state, outcome.reason, outcome.cut_connections);
            rows.push(row);
            writes.push((key, DeviceRecord::from_decision(outcome.record, Some(&stored), now)));
        }
        self.cache.upsert_batch(&writes)?;
        Ok(rows)
    }

    /// Changes what the UEM reports for a device.
    pub(crate) fn uem_report(&mut self, device: &UemDeviceId, status: UemStatus) -> bool {
        self.uem.set_status(device, status)
    }

    /// An app asks for a tunnel (S4, S5); later accesses reuse the cached tunnel.
    pub(crate) fn app_tunnel(&mut self, device: &UemDeviceId, app: &str, service: &str) -> Result<Row, DemoError> {
        let key = CacheKey::AppTunnel(AppTunnelKey {
            uem_device_id: device.clone(),
            app_id: AppId::new(app)?,
            service: ServiceName::new(service)?,
        });
        let identity = self.identity_of(device);
        let mut row = Row::for_identity(&format!("tunnel to {service}"), &identity);
        if let Some(state) = self.cache.lookup(&key) {
            self.cache.touch(&key);
            row.decided(decide_cached(state.state, state.provenance), "cache");
            return Ok(row);
        }
        let lookup = if self.uem_up {
            AppTunnelLookup::Reachable(self.uem.authorise(device))
        } else {
            AppTunnelLookup::Unreachable
        };
        let outcome = decide_first_apptunnel(identity, lookup, None);
        self.cache.upsert(&key, &DeviceRecord::from_decision(outcome.record, None, (self.now_ms)()))?;
        row.decided(outcome.decision, if self.uem_up { "uem" } else { "outage" });
        Ok(row)
    }

    fn identity_of(&self, device: &UemDeviceId) -> DeviceIdentity {
        let known = self.uem.device(device);
        let known = known.as_ref();
        DeviceIdentity {
            eas_device_id: known.and_then(|d| d.eas_device_id.clone()),
            user: known.and_then(|d| d.user.clone()),
            uem_device_id: Some(device.clone()),
            platform: known.map_or(Platform::Other, |d| d.platform),
        }
    }
}
