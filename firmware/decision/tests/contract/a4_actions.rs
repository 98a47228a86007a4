//! A4: compliance actions applied per UEM capabilities.

use crate::common::{EPMM, NEURONS};
use postern_decision::{ComplianceAction, DeviceState, UemCapabilities, UemKind, apply_action};

use ComplianceAction::{Block, Email, Monitor, Notify, Quarantine};
use DeviceState::{Allowed, Blocked, Quarantined, Unknown, Wiped};

#[rustfmt::skip]
const TABLE: &[(DeviceState, ComplianceAction, UemCapabilities, DeviceState)] = &[
    (Allowed, Block, EPMM, Blocked),
    (Allowed, Block, NEURONS, Blocked),
    (Unknown, Block, NEURONS, Blocked),
    (Quarantined, Block, EPMM, Blocked),
    (Allowed, Quarantine, EPMM, Quarantined),
    (Unknown, Quarantine, EPMM, Quarantined),
    (Allowed, Quarantine, NEURONS, Allowed),
    (Blocked, Quarantine, EPMM, Blocked),
    (Allowed, Email, EPMM, Allowed),
    (Allowed, Monitor, NEURONS, Allowed),
    (Blocked, Notify, EPMM, Blocked),
    (Quarantined, Monitor, EPMM, Quarantined),
    (Wiped, Block, EPMM, Wiped),
    (Wiped, Quarantine, EPMM, Wiped),
    (Wiped, Email, NEURONS, Wiped),
    // Before the UEM's settings arrive, nobody knows whether quarantine means anything.
    (Allowed, Quarantine, UemCapabilities::unknown(), Blocked),
    (Unknown, Quarantine, UemCapabilities::unknown(), Blocked),
    (Wiped, Quarantine, UemCapabilities::unknown(), Wiped),
    (Allowed, Email, UemCapabilities::unknown(), Allowed),
];

#[test]
fn a4_compliance_actions() {
    for &(before, action, caps, after) in TABLE {
        assert_eq!(apply_action(before, action, caps), after, "{before:?} + {action:?} with {caps:?}");
    }
}

#[test]
fn a4_uem_kinds_and_quarantine_support() {
    assert!(UemKind::Epmm.capabilities().supports_quarantine);
    assert!(!UemKind::Neurons.capabilities().supports_quarantine);
    assert!(!UemKind::Graph.capabilities().supports_quarantine);
    assert!(UemKind::Static.capabilities().supports_quarantine);
}
