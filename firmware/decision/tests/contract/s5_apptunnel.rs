//! S5 (with S4): a first AppTunnel access.

use crate::common::{EPMM, record, uem, user};
use postern_decision::{
    AppTunnelAnswer, AppTunnelLookup, Channel, DeviceIdentity, DeviceState, Platform, Provenance, Reason, UemStatus,
    Verdict, apply_checkin, awaits_checkin, decide_first_apptunnel,
};

const fn answer(device_policy_ok: bool, traffic_rules_ok: bool, app_authorised: bool) -> AppTunnelLookup {
    AppTunnelLookup::Reachable(AppTunnelAnswer { device_policy_ok, traffic_rules_ok, app_authorised })
}

#[rustfmt::skip]
const TABLE: &[(AppTunnelLookup, Verdict, Reason, Provenance)] = &[
    (answer(true, true, true), Verdict::Allow, Reason::AppTunnelAuthorised, Provenance::Uem),
    (answer(false, true, true), Verdict::Block, Reason::DevicePolicyViolation, Provenance::Uem),
    (answer(true, false, true), Verdict::Block, Reason::TrafficRuleDenied, Provenance::Uem),
    (answer(true, true, false), Verdict::Block, Reason::AppNotAuthorised, Provenance::Uem),
    (answer(false, false, false), Verdict::Block, Reason::DevicePolicyViolation, Provenance::Uem),
    (answer(true, false, false), Verdict::Block, Reason::TrafficRuleDenied, Provenance::Uem),
    (AppTunnelLookup::Unreachable, Verdict::Allow, Reason::UemUnreachableAppTunnel, Provenance::OutageAppTunnel),
];

fn device() -> DeviceIdentity {
    DeviceIdentity {
        eas_device_id: None,
        user: Some(user("alice@corp.example")),
        uem_device_id: Some(uem("u1")),
        platform: Platform::Android,
    }
}

#[test]
fn s5_first_apptunnel_access() {
    for &(lookup, verdict, reason, basis) in TABLE {
        let out = decide_first_apptunnel(device(), lookup, None);
        assert_eq!(out.decision.verdict, verdict, "{lookup:?}");
        assert_eq!(out.decision.reason, reason, "{lookup:?}");
        assert_eq!(out.decision.basis, basis, "{lookup:?}");
        assert_eq!(out.record.channel, Channel::AppTunnel, "{lookup:?}");
        assert_eq!(out.record.provenance, basis, "{lookup:?}");
        assert_eq!(out.record.decide().verdict, verdict, "{lookup:?}: later accesses reuse it");
        assert_eq!(awaits_checkin(&out.record), basis == Provenance::OutageAppTunnel, "{lookup:?}");
    }
}

#[rustfmt::skip]
const NEXT_CHECKIN: &[(UemStatus, DeviceState, bool)] = &[
    (UemStatus::Compliant, DeviceState::Allowed, false),
    (UemStatus::Blocked, DeviceState::Blocked, true),
    (UemStatus::Wiped, DeviceState::Wiped, true),
];

#[test]
fn s5_next_checkin_applies_the_real_state() {
    for &(status, state, cut) in NEXT_CHECKIN {
        let admitted = decide_first_apptunnel(device(), AppTunnelLookup::Unreachable, None).record;
        let out = apply_checkin(admitted, status, EPMM);
        assert_eq!(out.record.state, state, "{status:?}");
        assert_eq!(out.cut_connections, cut, "{status:?}");
        assert!(!awaits_checkin(&out.record), "{status:?}");
    }
}

#[test]
fn s5_wiped_device_gets_no_tunnel_even_during_an_outage() {
    let wiped = record("DEV1", Some("u1"), DeviceState::Wiped, Provenance::Uem);
    for &(lookup, ..) in TABLE {
        let out = decide_first_apptunnel(device(), lookup, Some(&wiped));
        assert_eq!(out.decision.verdict, Verdict::Block, "{lookup:?}");
        assert_eq!(out.decision.reason, Reason::WipedFinal, "{lookup:?}");
        assert_eq!(out.record.state, DeviceState::Wiped, "{lookup:?}");
    }
}
