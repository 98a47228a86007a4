//! S7: start-up; ActiveSync devices are first accesses again, persisted state is the
//! fallback while the UEM cannot be reached.

use crate::common::{EPMM, HERE, gateway, record, registered, request};
use postern_decision::{
    CacheRecord, Channel, ComplianceAction, DeviceState, FirstAccess, OutagePolicy, Platform, Provenance, Reason,
    UemLookup, UemSettings, UemStatus, Verdict, decide_first_access, needs_first_access, restore_at_startup,
};

use DeviceState::{Allowed, Blocked, Quarantined, Unknown, Wiped};

fn decide(
    previous: &CacheRecord,
    lookup: UemLookup<'_>,
    settings: UemSettings,
) -> postern_decision::FirstAccessOutcome {
    let req = request("DEV1", Some("alice@corp.example"), Platform::Ios);
    let here = gateway(HERE);
    decide_first_access(&FirstAccess {
        request: &req,
        gateway: &here,
        lookup,
        settings,
        caps: EPMM,
        previous: Some(previous),
    })
}

#[rustfmt::skip]
const UNREACHABLE: &[(DeviceState, UemSettings, Verdict, Reason, DeviceState)] = &[
    // A known device keeps its last state, whatever the new-device rule says.
    (Allowed, UemSettings::never_received(), Verdict::Allow, Reason::PersistedState, Allowed),
    (Allowed, UemSettings::never_received().with_outage_policy(OutagePolicy::FailClosed), Verdict::Allow, Reason::PersistedState, Allowed),
    (Blocked, UemSettings::never_received().with_outage_policy(OutagePolicy::FailOpen), Verdict::Block, Reason::PersistedState, Blocked),
    (Quarantined, UemSettings::never_received().with_outage_policy(OutagePolicy::FailOpen), Verdict::Block, Reason::PersistedState, Quarantined),
    (Wiped, UemSettings::never_received().with_outage_policy(OutagePolicy::FailOpen), Verdict::Block, Reason::WipedFinal, Wiped),
    // A record that was never decided is a new device.
    (Unknown, UemSettings::never_received().with_outage_policy(OutagePolicy::FailOpen), Verdict::Allow, Reason::UemUnreachableFailOpen, Allowed),
    (Unknown, UemSettings::never_received(), Verdict::Block, Reason::NoUemSetting, Blocked),
];

#[test]
fn s7_startup_while_uem_unreachable() {
    for &(state, settings, verdict, reason, stored) in UNREACHABLE {
        let restored = restore_at_startup(record("DEV1", Some("u1"), state, Provenance::Uem));
        assert_eq!(restored.provenance, Provenance::Persisted, "{state:?}");
        assert!(needs_first_access(&restored), "{state:?}: asked again at start-up");
        let out = decide(&restored, UemLookup::Unreachable, settings);
        assert_eq!(out.decision.verdict, verdict, "{state:?}/{settings:?}");
        assert_eq!(out.decision.reason, reason, "{state:?}/{settings:?}");
        assert_eq!(out.cache.record().map(|r| r.state), Some(stored), "{state:?}/{settings:?}");
    }
}

#[rustfmt::skip]
const REACHABLE: &[(DeviceState, UemStatus, &str, Verdict, Reason)] = &[
    // The UEM's answer replaces the persisted state.
    (Allowed, UemStatus::NonCompliant(ComplianceAction::Block), "u1", Verdict::Block, Reason::UemNonCompliant),
    (Blocked, UemStatus::Compliant, "u1", Verdict::Allow, Reason::UemCompliant),
    // A wipe is final for the same enrolment ...
    (Wiped, UemStatus::Compliant, "u1", Verdict::Block, Reason::WipedFinal),
    // ... and a fresh enrolment (a new UEM device) is decided on its own merits.
    (Wiped, UemStatus::Compliant, "u2", Verdict::Allow, Reason::UemCompliant),
];

#[test]
fn s7_startup_devices_are_first_accesses_again() {
    for &(state, status, uem_id, verdict, reason) in REACHABLE {
        let restored = restore_at_startup(record("DEV1", Some("u1"), state, Provenance::Uem));
        let devices = [registered(uem_id, Some("DEV1"), Some("alice@corp.example"), Platform::Ios, status)];
        let out = decide(
            &restored,
            UemLookup::Reachable { registered: &devices, tunnels: &[] },
            UemSettings::never_received(),
        );
        assert_eq!(out.decision.verdict, verdict, "{state:?}/{status:?}/{uem_id}");
        assert_eq!(out.decision.reason, reason, "{state:?}/{status:?}/{uem_id}");
        assert_eq!(out.decision.basis, Provenance::Uem, "{state:?}/{status:?}/{uem_id}");
    }
}

#[test]
fn s7_apptunnels_are_reloaded_as_they_were() {
    let tunnel = CacheRecord { channel: Channel::AppTunnel, ..record("DEV1", Some("u1"), Allowed, Provenance::Uem) };
    let restored = restore_at_startup(tunnel.clone());
    assert_eq!(restored, tunnel);
    assert!(!needs_first_access(&restored));
}

#[test]
fn s7_outage_admissions_stay_new_devices_across_a_restart() {
    let admitted = record("DEV1", None, Allowed, Provenance::OutageRule);
    let restored = restore_at_startup(admitted);
    assert_eq!(restored.provenance, Provenance::OutageRule);
    assert!(needs_first_access(&restored));
    let closed = UemSettings::never_received().with_outage_policy(OutagePolicy::FailClosed);
    let out = decide(&restored, UemLookup::Unreachable, closed);
    assert_eq!(out.decision.verdict, Verdict::Block);
    assert_eq!(out.decision.reason, Reason::UemUnreachableFailClosed);
}

#[test]
fn s7_operator_blocks_survive_a_restart() {
    let blocked = record("DEV1", Some("u1"), Blocked, Provenance::Operator);
    let restored = restore_at_startup(blocked.clone());
    assert_eq!(restored, blocked, "an operator's block is not turned into a persisted UEM state");
    let decision = restored.decide();
    assert_eq!(decision.verdict, Verdict::Block);
}
