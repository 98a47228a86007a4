//! S6: a compliance change seen at a check-in.

use crate::common::{EPMM, NEURONS, record};
use postern_decision::{ComplianceAction, DeviceState, Provenance, Reason, UemCapabilities, UemStatus, apply_checkin};

use ComplianceAction::{Block, Monitor, Quarantine};
use DeviceState::{Allowed, Blocked, Quarantined, Wiped};
use Provenance::{Operator, OutageAppTunnel, Persisted, Uem};
use UemStatus::{Compliant, NonCompliant};

struct Row {
    before: (DeviceState, Provenance),
    status: UemStatus,
    caps: UemCapabilities,
    after: (DeviceState, Provenance),
    reason: Reason,
    cut: bool,
}

#[rustfmt::skip]
const TABLE: &[Row] = &[
    Row { before: (Allowed, Uem), status: NonCompliant(Block), caps: EPMM, after: (Blocked, Uem), reason: Reason::UemNonCompliant, cut: true },
    Row { before: (Allowed, Uem), status: NonCompliant(Monitor), caps: EPMM, after: (Allowed, Uem), reason: Reason::UemNonCompliantNotBlocking, cut: false },
    Row { before: (Allowed, Uem), status: NonCompliant(Quarantine), caps: EPMM, after: (Quarantined, Uem), reason: Reason::UemQuarantined, cut: true },
    Row { before: (Allowed, Uem), status: NonCompliant(Quarantine), caps: NEURONS, after: (Allowed, Uem), reason: Reason::QuarantineUnsupported, cut: false },
    Row { before: (Allowed, Uem), status: UemStatus::Blocked, caps: EPMM, after: (Blocked, Uem), reason: Reason::UemBlocked, cut: true },
    Row { before: (Allowed, Uem), status: UemStatus::Wiped, caps: EPMM, after: (Wiped, Uem), reason: Reason::UemWiped, cut: true },
    Row { before: (Blocked, Uem), status: Compliant, caps: EPMM, after: (Allowed, Uem), reason: Reason::UemCompliant, cut: false },
    Row { before: (Quarantined, Uem), status: Compliant, caps: EPMM, after: (Allowed, Uem), reason: Reason::UemCompliant, cut: false },
    Row { before: (Blocked, Uem), status: NonCompliant(Block), caps: EPMM, after: (Blocked, Uem), reason: Reason::UemNonCompliant, cut: false },
    Row { before: (Blocked, Uem), status: NonCompliant(Monitor), caps: EPMM, after: (Allowed, Uem), reason: Reason::UemNonCompliantNotBlocking, cut: false },
    Row { before: (Wiped, Uem), status: Compliant, caps: EPMM, after: (Wiped, Uem), reason: Reason::WipedFinal, cut: false },
    Row { before: (Blocked, Operator), status: Compliant, caps: EPMM, after: (Blocked, Operator), reason: Reason::OperatorBlockKept, cut: false },
    Row { before: (Blocked, Operator), status: UemStatus::Wiped, caps: EPMM, after: (Wiped, Uem), reason: Reason::UemWiped, cut: false },
    Row { before: (Allowed, Operator), status: NonCompliant(Block), caps: EPMM, after: (Blocked, Uem), reason: Reason::UemNonCompliant, cut: true },
    Row { before: (Allowed, OutageAppTunnel), status: UemStatus::Blocked, caps: EPMM, after: (Blocked, Uem), reason: Reason::UemBlocked, cut: true },
    // Restored at start-up (S7): the state follows the report, the first-access mark stays.
    Row { before: (Allowed, Persisted), status: NonCompliant(Block), caps: EPMM, after: (Blocked, Persisted), reason: Reason::UemNonCompliant, cut: true },
    Row { before: (Blocked, Persisted), status: Compliant, caps: EPMM, after: (Allowed, Persisted), reason: Reason::UemCompliant, cut: false },
];

#[test]
fn s6_checkin_compliance_change() {
    for (i, row) in TABLE.iter().enumerate() {
        let before = record("DEV1", Some("u1"), row.before.0, row.before.1);
        let out = apply_checkin(before.clone(), row.status, row.caps);
        assert_eq!((out.record.state, out.record.provenance), row.after, "row {i}");
        assert_eq!(out.reason, row.reason, "row {i}");
        assert_eq!(out.cut_connections, row.cut, "row {i}");
        assert_eq!(out.record.identity, before.identity, "row {i}: identity is kept");
    }
}
