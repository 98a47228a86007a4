//! Deciding an access: from the cache (S2), or as a first access asking the UEM (S1, S3,
//! S4, S5, S7).

use crate::admission::RETRY_AFTER;
use crate::error::GatewayError;
use crate::gateway::Gateway;
use postern_decision::{
    AccessKey, AppId, AppTunnelLookup, CacheUpdate, Channel, Decision, DeviceIdentity, EasRequest, FirstAccess,
    Provenance, Reason, ServiceName, TunnelKey, UemDeviceId, UemLookup, Verdict, decide_cached, decide_first_access,
    decide_first_apptunnel, needs_first_access, state_needs_first_access, user_conflict, user_tag,
};
use postern_device_cache::{CachedState, DeviceRecord};
use postern_uem_connector::UemError;
use std::future::Future;
use std::net::IpAddr;

impl Gateway {
    /// Bounds a UEM call by the lookup timeout; a slow UEM counts as unreachable.
    pub(crate) async fn ask<T>(&self, call: impl Future<Output = Result<T, UemError>>) -> Result<T, UemError> {
        match tokio::time::timeout(self.lookup_timeout, call).await {
            Ok(result) => result,
            Err(_) => Err(UemError::Timeout { endpoint: "first-access lookup".into(), after: self.lookup_timeout }),
        }
    }

    /// Decides an ActiveSync request: from the cache when the device is known and its
    /// entry needs no fresh look (S2), otherwise as a first access (S1; S3 when the UEM
    /// cannot be reached; S7 for devices restored at start-up).
    pub async fn activesync_access(&self, request: &EasRequest) -> Result<Decision, GatewayError> {
        self.activesync_access_from(request, None).await
    }

    /// [`Gateway::activesync_access`] for a request from `source`: a device the cache does
    /// not hold costs `source` one first access of its budget, and waits for a UEM lookup
    /// slot; either bound reached is [`GatewayError::Busy`].
    pub async fn activesync_access_from(
        &self,
        request: &EasRequest,
        source: Option<IpAddr>,
    ) -> Result<Decision, GatewayError> {
        let user = request.user.as_ref().map(|u| u.as_str());
        if let Some(pinned) = self.pinned_decision(Some(request.eas_device_id.as_str()), None, user) {
            return Ok(self.count(pinned));
        }
        let key = AccessKey::ActiveSync(request.eas_device_id.clone());
        if let Some(decided) = self.decided_by_cache(&key, request) {
            return Ok(self.count(decided));
        }
        // One first access per device at a time: a second request waits for the first's
        // answer and then takes it from the cache.
        let _turn = self.admission.device_turn(&request.eas_device_id).await;
        if let Some(decided) = self.decided_by_cache(&key, request) {
            return Ok(self.count(decided));
        }
        let cached = self.cache().record(&key)?;
        let now = (self.clock_ms)();
        if cached.is_none() && self.admission.known_unregistered(&request.eas_device_id, now) {
            return Ok(self.count(Decision {
                verdict: Verdict::Block,
                reason: Reason::NotRegistered,
                basis: Provenance::Uem,
            }));
        }
        if let (None, Some(source)) = (&cached, source) {
            if !self.admission.charge_source(source, now) {
                tracing::warn!(%source, device = %request.eas_device_id, "first accesses from this source over budget: busy");
                return Err(GatewayError::Busy { what: "first accesses from this address", retry_after: RETRY_AFTER });
            }
        }
        let _slot = self.admission.lookup_slot().await.ok_or_else(|| {
            tracing::warn!(device = %request.eas_device_id, "every UEM lookup slot stayed taken: busy");
            GatewayError::Busy { what: "UEM lookups", retry_after: RETRY_AFTER }
        })?;
        self.first_access(&key, request, cached.as_ref()).await
    }

    /// The decision the cache alone gives, when it may (S2): not for entries to be asked
    /// about again, nor for a request naming another user than the one recorded.
    fn decided_by_cache(&self, key: &AccessKey, request: &EasRequest) -> Option<Decision> {
        let from_cache = |state: &CachedState| {
            let revisit = matches!(state.provenance, Provenance::OutageRule | Provenance::Persisted);
            let other_user = state.user_tag != 0 && state.user_tag != user_tag(request.user.as_ref());
            !revisit && !other_user
        };
        let state = self.reader.lookup_touching(key, from_cache)?;
        from_cache(&state).then(|| decide_cached(state.state, state.provenance))
    }

    async fn first_access(
        &self,
        key: &AccessKey,
        request: &EasRequest,
        previous: Option<&DeviceRecord>,
    ) -> Result<Decision, GatewayError> {
        let answer = self.ask(self.connector().lookup(request)).await;
        let (registered, tunnels) = match answer {
            Ok(found) => {
                let (registered, tunnels) = found.into_decision();
                if user_conflict(request, &registered) {
                    tracing::warn!(
                        device = %request.eas_device_id,
                        user = request.user.as_ref().map_or("-", |u| u.as_str()),
                        "the UEM knows this ActiveSync id under another user: refused, the cache left as it was"
                    );
                    return Ok(self.count(Decision {
                        verdict: Verdict::Block,
                        reason: Reason::UserMismatch,
                        basis: Provenance::Uem,
                    }));
                }
                (Some(registered), tunnels)
            }
            Err(error) => {
                tracing::warn!(device = %request.eas_device_id, %error, "UEM lookup failed: deciding by the outage rules");
                (None, Vec::new())
            }
        };
        let lookup = match &registered {
            Some(registered) => UemLookup::Reachable { registered, tunnels: &tunnels },
            None => UemLookup::Unreachable,
        };
        let uem = self.uem();
        let previous_record = previous.map(|p| p.to_decision(key));
        let gateway = self.id();
        let outcome = decide_first_access(&FirstAccess {
            request,
            gateway: &gateway,
            lookup,
            settings: uem.settings,
            caps: uem.caps,
            previous: previous_record.as_ref(),
        });
        // A block of the UEM device the UEM matched applies even to a device never seen.
        let matched = match &outcome.cache {
            CacheUpdate::Store(record) => record.identity.uem_device_id.as_ref().map(|u| u.as_str().to_owned()),
            CacheUpdate::Forget => None,
        };
        if let Some(pinned) = matched.as_deref().and_then(|uem| self.pinned_decision(None, Some(uem), None)) {
            return Ok(self.count(pinned));
        }
        if outcome.decision.reason == Reason::UemWiped {
            self.pin_wiped(Some(request.eas_device_id.as_str()), matched.as_deref());
        }
        // A device nobody registered, never seen before, costs no durable write and
        // evicts nobody: the answer is remembered in memory for a short while.
        if previous.is_none() && outcome.decision.reason == Reason::NotRegistered {
            self.admission.remember_unregistered(&request.eas_device_id, (self.clock_ms)());
            tracing::info!(device = %request.eas_device_id, "not registered: remembered in memory, not cached");
            return Ok(self.count(outcome.decision));
        }
        self.admission.forget_unregistered(&request.eas_device_id);
        let newly_held = {
            let mut cache = self.cache();
            match outcome.cache {
                CacheUpdate::Store(record) => {
                    let stored = DeviceRecord::from_decision(record, previous, (self.clock_ms)());
                    let evicted = cache.upsert(key, &stored)?;
                    if !evicted.is_empty() {
                        tracing::info!(
                            evicted = evicted.len(),
                            "device cache full: least recently used entries evicted"
                        );
                    }
                    previous.is_none()
                }
                CacheUpdate::Forget => {
                    cache.remove(key)?;
                    false
                }
            }
        };
        if newly_held {
            // The UEM learns at once that this gateway holds the device (scale-out).
            self.note_inventory_changed();
        }
        let decision = outcome.decision;
        tracing::info!(
            device = %request.eas_device_id,
            user = request.user.as_ref().map_or("-", |u| u.as_str()),
            decision = decision.verdict.code(),
            reason = decision.reason.code(),
            basis = %decision.basis,
            "first ActiveSync access decided"
        );
        Ok(self.count(decision))
    }

    /// Decides an app's tunnel to a service: the cached tunnel when there is one (S4's
    /// reuse), otherwise the UEM's answer, or an outage allowance (S5).
    pub async fn apptunnel_access(
        &self,
        device: &UemDeviceId,
        app: &str,
        service: &str,
    ) -> Result<Decision, GatewayError> {
        if let Some(pinned) = self.pinned_decision(None, Some(device.as_str()), None) {
            return Ok(self.count(pinned));
        }
        let (app_id, service_name) = (AppId::new(app)?, ServiceName::new(service)?);
        let key = AccessKey::AppTunnel(TunnelKey {
            uem_device_id: device.clone(),
            app_id: app_id.clone(),
            service: service_name.clone(),
        });
        if let Some(state) = self.reader.lookup_touching(&key, |_| true) {
            return Ok(self.count(decide_cached(state.state, state.provenance)));
        }
        let previous = self.cache().record(&key)?;
        let lookup = match self.ask(self.connector().authorise_app(device, &app_id, &service_name)).await {
            Ok(answer) => AppTunnelLookup::Reachable(answer),
            Err(error) => {
                tracing::warn!(device = %device, %error, "UEM app authorisation failed: outage allowance applies");
                AppTunnelLookup::Unreachable
            }
        };
        let identity = DeviceIdentity { uem_device_id: Some(device.clone()), ..DeviceIdentity::default() };
        let previous_record = previous.as_ref().map(|p| p.to_decision(&key));
        let outcome = decide_first_apptunnel(identity, lookup, previous_record.as_ref());
        self.cache()
            .upsert(&key, &DeviceRecord::from_decision(outcome.record, previous.as_ref(), (self.clock_ms)()))?;
        tracing::info!(device = %device, app, service, decision = outcome.decision.verdict.code(), reason = outcome.decision.reason.code(), "first AppTunnel access decided");
        Ok(self.count(outcome.decision))
    }

    /// Once the UEM is back: every ActiveSync device admitted or refused by the outage
    /// rule, restored at start-up, or not matched, is decided again as a first access (S3,
    /// S7). Returns each device evaluated with its new decision.
    pub async fn reevaluate_first_accesses(&self) -> Result<Vec<(EasRequest, Decision)>, GatewayError> {
        let keys = {
            let cache = self.cache();
            let capacity = cache.capacity().get() as usize;
            cache.keys_where(Channel::ActiveSync, capacity, |s| {
                state_needs_first_access(s.state, s.provenance, s.uem_tag == 0)
            })?
        };
        let candidates: Vec<_> = self
            .records_of(&keys)?
            .into_iter()
            .filter(|(key, stored)| needs_first_access(&stored.to_decision(key)))
            .collect();
        let mut decided = Vec::with_capacity(candidates.len());
        for (key, stored) in candidates {
            let Some(eas) = stored.identity.eas_device_id.clone() else { continue };
            let request = EasRequest {
                eas_device_id: eas,
                user: stored.identity.user.clone(),
                platform: stored.identity.platform,
            };
            let decision = self.first_access(&key, &request, Some(&stored)).await?;
            decided.push((request, decision));
        }
        Ok(decided)
    }
}
