//! S2: later accesses decided from the cached entry.

use crate::common::record;
use postern_decision::{DeviceState, Provenance, Reason, Verdict, decide_cached};

#[rustfmt::skip]
const TABLE: &[(DeviceState, Provenance, Verdict, Reason)] = &[
    (DeviceState::Allowed, Provenance::Uem, Verdict::Allow, Reason::CachedAllowed),
    (DeviceState::Allowed, Provenance::OutageRule, Verdict::Allow, Reason::CachedAllowed),
    (DeviceState::Allowed, Provenance::OutageAppTunnel, Verdict::Allow, Reason::CachedAllowed),
    (DeviceState::Allowed, Provenance::Persisted, Verdict::Allow, Reason::CachedAllowed),
    (DeviceState::Allowed, Provenance::Operator, Verdict::Allow, Reason::CachedAllowed),
    (DeviceState::Blocked, Provenance::Uem, Verdict::Block, Reason::CachedBlocked),
    (DeviceState::Blocked, Provenance::OutageRule, Verdict::Block, Reason::CachedBlocked),
    (DeviceState::Blocked, Provenance::Operator, Verdict::Block, Reason::CachedBlocked),
    (DeviceState::Quarantined, Provenance::Uem, Verdict::Block, Reason::CachedQuarantined),
    (DeviceState::Wiped, Provenance::Uem, Verdict::Block, Reason::CachedWiped),
    (DeviceState::Wiped, Provenance::Persisted, Verdict::Block, Reason::CachedWiped),
    (DeviceState::Unknown, Provenance::Uem, Verdict::Block, Reason::CachedUndecided),
    (DeviceState::Unknown, Provenance::Persisted, Verdict::Block, Reason::CachedUndecided),
];

#[test]
fn s2_later_access_from_cache() {
    for &(state, provenance, verdict, reason) in TABLE {
        let decision = decide_cached(state, provenance);
        assert_eq!(decision.verdict, verdict, "{state:?}/{provenance:?}");
        assert_eq!(decision.reason, reason, "{state:?}/{provenance:?}");
        assert_eq!(decision.basis, provenance, "{state:?}/{provenance:?}");
        assert_eq!(record("DEV1", Some("u1"), state, provenance).decide(), decision);
    }
}

#[test]
fn s2_decision_prints_as_one_log_field_set() {
    let decision = decide_cached(DeviceState::Allowed, Provenance::OutageRule);
    assert_eq!(decision.to_string(), "allow reason=cached-allowed basis=outage-rule");
}
