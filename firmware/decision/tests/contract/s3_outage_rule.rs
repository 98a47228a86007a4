//! S3: the UEM is unreachable on a first ActiveSync access.

use crate::common::{EPMM, HERE, gateway, registered, request};
use postern_decision::{
    CacheRecord, ComplianceAction, DeviceState, FirstAccess, OutagePolicy, Platform, Provenance, Reason, UemLookup,
    UemSettings, UemStatus, Verdict, decide_first_access, needs_first_access, new_device_rule,
};

#[rustfmt::skip]
const TABLE: &[(UemSettings, Verdict, Reason)] = &[
    (UemSettings::never_received(), Verdict::Block, Reason::NoUemSetting),
    (UemSettings::never_received().with_outage_policy(OutagePolicy::FailOpen), Verdict::Allow, Reason::UemUnreachableFailOpen),
    (UemSettings::never_received().with_outage_policy(OutagePolicy::FailClosed), Verdict::Block, Reason::UemUnreachableFailClosed),
    // The latest setting received wins.
    (UemSettings::never_received().with_outage_policy(OutagePolicy::FailOpen).with_outage_policy(OutagePolicy::FailClosed),
        Verdict::Block, Reason::UemUnreachableFailClosed),
];

fn first_access(
    settings: UemSettings,
    lookup: UemLookup<'_>,
    previous: Option<&CacheRecord>,
) -> postern_decision::FirstAccessOutcome {
    let req = request("DEV1", Some("alice@corp.example"), Platform::Ios);
    let here = gateway(HERE);
    decide_first_access(&FirstAccess { request: &req, gateway: &here, lookup, settings, caps: EPMM, previous })
}

#[test]
fn s3_new_device_while_uem_unreachable() {
    for &(settings, verdict, reason) in TABLE {
        assert_eq!(new_device_rule(settings).verdict, verdict, "{settings:?}");
        let out = first_access(settings, UemLookup::Unreachable, None);
        assert_eq!(out.decision.verdict, verdict, "{settings:?}");
        assert_eq!(out.decision.reason, reason, "{settings:?}");
        assert_eq!(out.decision.basis, Provenance::OutageRule, "{settings:?}");
        let record = out.cache.record().cloned().unwrap_or_default();
        assert_eq!(record.provenance, Provenance::OutageRule, "{settings:?}");
        assert_eq!(record.decide().verdict, verdict, "{settings:?}: S2 agrees");
        assert!(needs_first_access(&record), "{settings:?}: re-evaluated when the UEM is back");
    }
}

#[rustfmt::skip]
const BACK: &[(UemStatus, Verdict, Reason)] = &[
    (UemStatus::Compliant, Verdict::Allow, Reason::UemCompliant),
    (UemStatus::NonCompliant(ComplianceAction::Block), Verdict::Block, Reason::UemNonCompliant),
    (UemStatus::Wiped, Verdict::Block, Reason::UemWiped),
];

#[test]
fn s3_outage_admissions_are_re_evaluated_when_the_uem_is_back() {
    let open = UemSettings::never_received().with_outage_policy(OutagePolicy::FailOpen);
    let admitted = first_access(open, UemLookup::Unreachable, None).cache.record().cloned().unwrap_or_default();
    assert_eq!(admitted.state, DeviceState::Allowed);
    for &(status, verdict, reason) in BACK {
        let devices = [registered("u1", Some("DEV1"), Some("alice@corp.example"), Platform::Ios, status)];
        let lookup = UemLookup::Reachable { registered: &devices, tunnels: &[] };
        let out = first_access(open, lookup, Some(&admitted));
        assert_eq!(out.decision.verdict, verdict, "{status:?}");
        assert_eq!(out.decision.reason, reason, "{status:?}");
        let record = out.cache.record().cloned().unwrap_or_default();
        assert_eq!(record.provenance, Provenance::Uem, "{status:?}");
        assert!(!needs_first_access(&record), "{status:?}: settled by the UEM");
    }
}

#[rustfmt::skip]
const STILL_DOWN: &[(OutagePolicy, OutagePolicy, Verdict, Reason)] = &[
    (OutagePolicy::FailOpen, OutagePolicy::FailOpen, Verdict::Allow, Reason::UemUnreachableFailOpen),
    (OutagePolicy::FailOpen, OutagePolicy::FailClosed, Verdict::Block, Reason::UemUnreachableFailClosed),
    (OutagePolicy::FailClosed, OutagePolicy::FailOpen, Verdict::Allow, Reason::UemUnreachableFailOpen),
];

#[test]
fn s3_outage_admissions_follow_the_current_rule_while_the_uem_is_still_down() {
    for &(then, now, verdict, reason) in STILL_DOWN {
        let settings = UemSettings::never_received().with_outage_policy(then);
        let first = first_access(settings, UemLookup::Unreachable, None);
        let admitted = first.cache.record().cloned().unwrap_or_default();
        let again = first_access(settings.with_outage_policy(now), UemLookup::Unreachable, Some(&admitted));
        assert_eq!(again.decision.verdict, verdict, "{then:?} -> {now:?}");
        assert_eq!(again.decision.reason, reason, "{then:?} -> {now:?}");
        assert_eq!(again.decision.basis, Provenance::OutageRule, "{then:?} -> {now:?}");
    }
}
