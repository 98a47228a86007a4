//! Invariants that must hold for any input, checked with generated cases.

use crate::common::{ELSEWHERE, HERE, eas, gateway, record, tunnel, uem, user};
use postern_decision::{
    AppTunnelAnswer, AppTunnelLookup, CacheRecord, CacheUpdate, ComplianceAction, DeviceState, EasRequest, FirstAccess,
    OutagePolicy, Platform, Provenance, Reason, RegisteredDevice, UemCapabilities, UemLookup, UemSettings, UemStatus,
    UnregisteredTunnel, apply_action, apply_checkin, decide_cached, decide_first_access, decide_first_apptunnel,
    restore_at_startup,
};
use proptest::prelude::*;

fn any_state() -> impl Strategy<Value = DeviceState> {
    prop_oneof![
        Just(DeviceState::Allowed),
        Just(DeviceState::Blocked),
        Just(DeviceState::Quarantined),
        Just(DeviceState::Wiped),
        Just(DeviceState::Unknown),
    ]
}

fn any_provenance() -> impl Strategy<Value = Provenance> {
    prop_oneof![
        Just(Provenance::Uem),
        Just(Provenance::OutageRule),
        Just(Provenance::OutageAppTunnel),
        Just(Provenance::Persisted),
        Just(Provenance::Operator),
    ]
}

fn any_action() -> impl Strategy<Value = ComplianceAction> {
    proptest::sample::select(ComplianceAction::ALL.to_vec())
}

fn any_caps() -> impl Strategy<Value = UemCapabilities> {
    any::<bool>().prop_map(UemCapabilities::new)
}

fn any_status() -> impl Strategy<Value = UemStatus> {
    prop_oneof![
        Just(UemStatus::Compliant),
        any_action().prop_map(UemStatus::NonCompliant),
        Just(UemStatus::Blocked),
        Just(UemStatus::Wiped),
    ]
}

fn any_settings() -> impl Strategy<Value = UemSettings> {
    prop_oneof![
        Just(UemSettings::never_received()),
        Just(UemSettings::never_received().with_outage_policy(OutagePolicy::FailOpen)),
        Just(UemSettings::never_received().with_outage_policy(OutagePolicy::FailClosed)),
    ]
}

fn any_platform() -> impl Strategy<Value = Platform> {
    prop_oneof![Just(Platform::Ios), Just(Platform::Android), Just(Platform::Other)]
}

/// Small pools of ids, so that generated devices and requests often match.
fn maybe_eas() -> impl Strategy<Value = Option<&'static str>> {
    proptest::option::of(prop_oneof![Just("DEV1"), Just("DEV2")])
}

fn maybe_user() -> impl Strategy<Value = Option<&'static str>> {
    proptest::option::of(prop_oneof![Just("alice@corp.example"), Just("bob@corp.example")])
}

fn any_request() -> impl Strategy<Value = EasRequest> {
    (prop_oneof![Just("DEV1"), Just("DEV2")], maybe_user(), any_platform()).prop_map(|(e, u, p)| EasRequest {
        eas_device_id: eas(e),
        user: u.map(user),
        platform: p,
    })
}

fn registered_with(uem_ids: &'static [&'static str]) -> impl Strategy<Value = RegisteredDevice> {
    (proptest::sample::select(uem_ids), maybe_eas(), maybe_user(), any_platform(), any_status()).prop_map(
        |(id, e, u, platform, status)| RegisteredDevice {
            uem_device_id: uem(id),
            eas_device_id: e.map(eas),
            user: u.map(user),
            platform,
            status,
        },
    )
}

fn any_tunnel() -> impl Strategy<Value = UnregisteredTunnel> {
    (maybe_eas(), maybe_user(), prop_oneof![Just(HERE), Just(ELSEWHERE)]).prop_map(|(e, u, on)| tunnel(e, u, on))
}

/// One thing that can happen to a device, in any order.
#[derive(Debug, Clone)]
enum Event {
    Checkin(UemStatus, UemCapabilities),
    FirstAccess {
        reachable: bool,
        registered: Vec<RegisteredDevice>,
        tunnels: Vec<UnregisteredTunnel>,
        settings: UemSettings,
        caps: UemCapabilities,
    },
    AppTunnel(Option<AppTunnelAnswer>),
    Restart,
    Action(ComplianceAction, UemCapabilities),
}

/// Events about one enrolment: every registered device the UEM reports is `u1`.
fn any_event() -> impl Strategy<Value = Event> {
    let answer = (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(d, t, a)| AppTunnelAnswer {
        device_policy_ok: d,
        traffic_rules_ok: t,
        app_authorised: a,
    });
    prop_oneof![
        (any_status(), any_caps()).prop_map(|(s, c)| Event::Checkin(s, c)),
        (
            any::<bool>(),
            proptest::collection::vec(registered_with(&["u1"]), 0..4),
            proptest::collection::vec(any_tunnel(), 0..3),
            any_settings(),
            any_caps(),
        )
            .prop_map(|(reachable, registered, tunnels, settings, caps)| {
                Event::FirstAccess { reachable, registered, tunnels, settings, caps }
            }),
        proptest::option::of(answer).prop_map(Event::AppTunnel),
        Just(Event::Restart),
        (any_action(), any_caps()).prop_map(|(a, c)| Event::Action(a, c)),
    ]
}

/// Runs one event against the cached record; returns whether anything allowed the device.
fn step(record: CacheRecord, event: &Event) -> (CacheRecord, bool) {
    match event {
        Event::Checkin(status, caps) => {
            let out = apply_checkin(record, *status, *caps);
            let allowed = out.record.decide().allows();
            (out.record, allowed)
        }
        Event::FirstAccess { reachable, registered, tunnels, settings, caps } => {
            let req = EasRequest {
                eas_device_id: eas("DEV1"),
                user: Some(user("alice@corp.example")),
                platform: Platform::Ios,
            };
            let here = gateway(HERE);
            let lookup = if *reachable { UemLookup::Reachable { registered, tunnels } } else { UemLookup::Unreachable };
            let input = FirstAccess {
                request: &req,
                gateway: &here,
                lookup,
                settings: *settings,
                caps: *caps,
                previous: Some(&record),
            };
            let out = decide_first_access(&input);
            let allowed = out.decision.allows();
            match out.cache {
                CacheUpdate::Store(next) => (next, allowed),
                CacheUpdate::Forget => (CacheRecord::default(), allowed),
            }
        }
        Event::AppTunnel(answer) => {
            let lookup = answer.map_or(AppTunnelLookup::Unreachable, AppTunnelLookup::Reachable);
            let out = decide_first_apptunnel(record.identity.clone(), lookup, Some(&record));
            (record, out.decision.allows())
        }
        Event::Restart => {
            let next = restore_at_startup(record);
            let allowed = next.decide().allows();
            (next, allowed)
        }
        Event::Action(action, caps) => {
            let state = apply_action(record.state, *action, *caps);
            let next = CacheRecord { state, ..record };
            let allowed = next.decide().allows();
            (next, allowed)
        }
    }
}

proptest! {
    #[test]
    fn wiped_device_is_never_allowed_whatever_the_order(
        initial in any_state(),
        events in proptest::collection::vec(any_event(), 1..24),
    ) {
        let mut current = record("DEV1", Some("u1"), initial, Provenance::Uem);
        let mut wiped = initial == DeviceState::Wiped;
        for event in &events {
            let (next, allowed) = step(current, event);
            prop_assert!(!(wiped && allowed), "allowed after a wipe by {event:?}");
            wiped |= next.state == DeviceState::Wiped;
            prop_assert!(!wiped || next.state == DeviceState::Wiped, "wipe lost by {event:?}");
            current = next;
        }
    }

    #[test]
    fn unknown_device_is_never_allowed_during_an_outage_without_fail_open(
        req in any_request(),
        fail_closed in any::<bool>(),
        caps in any_caps(),
        undecided in proptest::option::of(any_provenance()),
    ) {
        let settings = if fail_closed {
            UemSettings::never_received().with_outage_policy(OutagePolicy::FailClosed)
        } else {
            UemSettings::never_received()
        };
        let previous = undecided.map(|p| record(req.eas_device_id.as_str(), None, DeviceState::Unknown, p));
        let here = gateway(HERE);
        let out = decide_first_access(&FirstAccess {
            request: &req, gateway: &here, lookup: UemLookup::Unreachable, settings, caps, previous: previous.as_ref(),
        });
        prop_assert!(!out.decision.allows());
        prop_assert_eq!(out.decision.basis, Provenance::OutageRule);
        prop_assert!(out.cache.record().is_some_and(|r| !r.decide().allows()));
    }

    #[test]
    fn non_blocking_actions_never_change_a_state(
        state in any_state(), action in any_action(), caps in any_caps(),
    ) {
        prop_assume!(action.is_non_blocking());
        prop_assert_eq!(apply_action(state, action, caps), state);
    }

    #[test]
    fn quarantine_is_a_no_op_without_quarantine_support(state in any_state()) {
        prop_assert_eq!(apply_action(state, ComplianceAction::Quarantine, UemCapabilities::new(false)), state);
    }

    #[test]
    fn device_allowed_on_another_gateway_is_never_allowed_here(
        req in any_request(),
        registered in proptest::collection::vec(registered_with(&["u1", "u2", "u3"]), 0..6),
        mut tunnels in proptest::collection::vec(any_tunnel(), 0..4),
        by_user in any::<bool>(),
        at in any::<usize>(),
        settings in any_settings(),
        caps in any_caps(),
        previous_state in proptest::option::of(any_state()),
    ) {
        let elsewhere = match (&req.user, by_user) {
            (Some(u), true) => tunnel(None, Some(u.as_str()), ELSEWHERE),
            _ => tunnel(Some(req.eas_device_id.as_str()), None, ELSEWHERE),
        };
        tunnels.insert(at % (tunnels.len() + 1), elsewhere);
        let previous = previous_state.map(|s| record(req.eas_device_id.as_str(), Some("u1"), s, Provenance::Uem));
        let here = gateway(HERE);
        let out = decide_first_access(&FirstAccess {
            request: &req,
            gateway: &here,
            lookup: UemLookup::Reachable { registered: &registered, tunnels: &tunnels },
            settings, caps, previous: previous.as_ref(),
        });
        prop_assert!(!out.decision.allows());
        prop_assert!(matches!(out.decision.reason, Reason::AllowedOnOtherGateway | Reason::WipedFinal));
        prop_assert!(out.cache.record().is_none_or(|r| !r.decide().allows()));
    }

    #[test]
    fn cached_decision_allows_exactly_the_allowed_state(state in any_state(), provenance in any_provenance()) {
        prop_assert_eq!(decide_cached(state, provenance).allows(), state == DeviceState::Allowed);
    }

    #[test]
    fn checkin_cuts_connections_exactly_when_access_is_lost(
        state in any_state(), provenance in any_provenance(), status in any_status(), caps in any_caps(),
    ) {
        let before = record("DEV1", Some("u1"), state, provenance);
        let out = apply_checkin(before, status, caps);
        prop_assert_eq!(out.cut_connections, state.permits() && !out.record.state.permits());
    }
}
