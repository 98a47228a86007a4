//! S1, S3 and S7: a first ActiveSync access (or one evaluated as such after a restart).

use crate::{
    CacheRecord, Channel, Decision, DeviceIdentity, DeviceState, EasRequest, GatewayId, Match, MatchedBy, OutagePolicy,
    Platform, Provenance, Reason, RegisteredDevice, UemCapabilities, UemLookup, UemSettings, best_match,
};

/// Everything a first ActiveSync access is decided from.
#[derive(Debug, Clone, Copy)]
pub struct FirstAccess<'a> {
    /// The identity parsed from the request.
    pub request: &'a EasRequest,
    /// This gateway's id with the UEM.
    pub gateway: &'a GatewayId,
    /// What asking the UEM produced.
    pub lookup: UemLookup<'a>,
    /// The settings the UEM handed down so far.
    pub settings: UemSettings,
    /// What the UEM can do.
    pub caps: UemCapabilities,
    /// The record already held for this device, if any: restored from disk at start-up
    /// (S7) or being re-evaluated after an outage (S3).
    pub previous: Option<&'a CacheRecord>,
}

/// What to do with the device cache after a first access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheUpdate {
    /// Store (or replace) the device's record.
    Store(CacheRecord),
    /// Hold nothing for the device, so its next access asks the UEM again (a device
    /// allowed on another gateway: admitted here as soon as the UEM lets it go there).
    Forget,
}

impl CacheUpdate {
    /// The record to store, if any.
    pub fn record(&self) -> Option<&CacheRecord> {
        match self {
            CacheUpdate::Store(record) => Some(record),
            CacheUpdate::Forget => None,
        }
    }
}

/// The result of a first ActiveSync access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstAccessOutcome {
    /// Allow or block, and why.
    pub decision: Decision,
    /// What to do with the device cache.
    pub cache: CacheUpdate,
    /// How the device was matched to a registered device, if it was.
    pub matched_by: Option<MatchedBy>,
}

/// The new-device rule while the UEM cannot be reached (S3): the UEM-provided setting, or
/// block if the gateway never received it.
pub const fn new_device_rule(settings: UemSettings) -> Decision {
    let (state, reason) = match settings.outage_policy() {
        Some(OutagePolicy::FailOpen) => (DeviceState::Allowed, Reason::UemUnreachableFailOpen),
        Some(OutagePolicy::FailClosed) => (DeviceState::Blocked, Reason::UemUnreachableFailClosed),
        None => (DeviceState::Blocked, Reason::NoUemSetting),
    };
    Decision::from_state(state, reason, Provenance::OutageRule)
}

/// Decides a first ActiveSync access (S1), applying the outage rule (S3) or the persisted
/// state (S7) when the UEM cannot be reached.
pub fn decide_first_access(input: &FirstAccess<'_>) -> FirstAccessOutcome {
    match input.lookup {
        UemLookup::Unreachable => while_unreachable(input),
        UemLookup::Reachable { registered, tunnels } => {
            let elsewhere = tunnels.iter().any(|t| t.gateway != *input.gateway && t.matches(input.request));
            if elsewhere {
                return refuse_allowed_elsewhere(input);
            }
            with_answer(input, registered)
        }
    }
}

fn store(identity: DeviceIdentity, decision: Decision, state: DeviceState) -> CacheUpdate {
    CacheUpdate::Store(CacheRecord { identity, channel: Channel::ActiveSync, state, provenance: decision.basis })
}

fn outcome(
    identity: DeviceIdentity,
    state: DeviceState,
    reason: Reason,
    basis: Provenance,
    matched_by: Option<MatchedBy>,
) -> FirstAccessOutcome {
    let decision = Decision::from_state(state, reason, basis);
    FirstAccessOutcome { decision, cache: store(identity, decision, state), matched_by }
}

fn wiped_before<'a>(input: &FirstAccess<'a>) -> Option<&'a CacheRecord> {
    input.previous.filter(|p| p.state == DeviceState::Wiped)
}

fn stay_wiped(previous: &CacheRecord, basis: Provenance) -> FirstAccessOutcome {
    outcome(previous.identity.clone(), DeviceState::Wiped, Reason::WipedFinal, basis, None)
}

fn while_unreachable(input: &FirstAccess<'_>) -> FirstAccessOutcome {
    // S7: a device the gateway already knows keeps its last known state. A device only
    // ever judged by the outage rule is still a new device: the rule (maybe changed
    // since) decides it again.
    let known = input.previous.filter(|p| {
        p.state == DeviceState::Wiped || (p.state != DeviceState::Unknown && p.provenance != Provenance::OutageRule)
    });
    if let Some(previous) = known {
        let reason = if previous.state == DeviceState::Wiped { Reason::WipedFinal } else { Reason::PersistedState };
        return outcome(previous.identity.clone(), previous.state, reason, Provenance::Persisted, None);
    }
    // S3: a new device gets the UEM-provided new-device rule.
    let decision = new_device_rule(input.settings);
    let state = if decision.allows() { DeviceState::Allowed } else { DeviceState::Blocked };
    FirstAccessOutcome { decision, cache: store(input.request.identity(), decision, state), matched_by: None }
}

fn refuse_allowed_elsewhere(input: &FirstAccess<'_>) -> FirstAccessOutcome {
    if let Some(previous) = wiped_before(input) {
        return stay_wiped(previous, Provenance::Uem);
    }
    FirstAccessOutcome {
        decision: Decision::from_state(DeviceState::Blocked, Reason::AllowedOnOtherGateway, Provenance::Uem),
        cache: CacheUpdate::Forget,
        matched_by: None,
    }
}

fn matched_identity(request: &EasRequest, device: &RegisteredDevice) -> DeviceIdentity {
    DeviceIdentity {
        eas_device_id: Some(request.eas_device_id.clone()),
        user: request.user.clone().or_else(|| device.user.clone()),
        uem_device_id: Some(device.uem_device_id.clone()),
        platform: if request.platform == Platform::Other { device.platform } else { request.platform },
    }
}

fn with_answer(input: &FirstAccess<'_>, registered: &[RegisteredDevice]) -> FirstAccessOutcome {
    let found = best_match(input.request, registered, input.caps);
    if let Some(previous) = wiped_before(input) {
        // A wipe is final for that enrolment; only a different UEM device (a fresh
        // enrolment) is decided on its own merits.
        let fresh = match (found, &previous.identity.uem_device_id) {
            (Match::One(device, _), Some(old)) => device.uem_device_id != *old,
            _ => false,
        };
        if !fresh {
            return stay_wiped(previous, Provenance::Uem);
        }
    }
    let basis = Provenance::Uem;
    match found {
        Match::None => outcome(input.request.identity(), DeviceState::Blocked, Reason::NotRegistered, basis, None),
        Match::One(device, by) => outcome(
            matched_identity(input.request, device),
            device.status.state(input.caps),
            device.status.reason(input.caps),
            basis,
            Some(by),
        ),
        Match::Ambiguous { by, all_permit, .. } => {
            let (state, reason) = if all_permit {
                (DeviceState::Allowed, Reason::AmbiguousMatchAllCompliant)
            } else {
                (DeviceState::Blocked, Reason::AmbiguousMatch)
            };
            outcome(input.request.identity(), state, reason, basis, Some(by))
        }
    }
}
