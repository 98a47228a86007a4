//! S6: a compliance check-in changes a cached device's state.

use crate::{CacheRecord, DeviceState, Provenance, Reason, UemCapabilities, UemStatus};

/// The result of applying one check-in report to a cached record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinOutcome {
    /// The record to store.
    pub record: CacheRecord,
    /// Why the state is what it is now.
    pub reason: Reason,
    /// The state went from letting traffic through to not: live connections and tunnels
    /// of the device must be cut now (A7), not at their next request.
    pub cut_connections: bool,
}

/// Applies the UEM's report for one device at a check-in (S6, per A4).
///
/// The report sets the state afresh ([`UemStatus::state`]) and the provenance becomes
/// [`Provenance::Uem`], except that a device restored at start-up keeps its
/// [`Provenance::Persisted`] mark: its first access's checks (matching it again, allowed
/// on another gateway, S7) are still ahead, and a compliance report answers neither. An app
/// tunnel let in during an outage gets its real state from its device's report (S5). Two
/// more exceptions:
/// - a wiped device stays wiped: a fresh enrolment is a different UEM device, recognised
///   at a first access, never through this device's check-ins;
/// - a block set by a gateway operator is not lifted by a UEM report that would let the
///   device through (the UEM may still make it stricter).
pub fn apply_checkin(record: CacheRecord, status: UemStatus, caps: UemCapabilities) -> CheckinOutcome {
    let before = record.state;
    let proposed = status.state(caps);
    let (record, reason) = if before == DeviceState::Wiped {
        (record, Reason::WipedFinal)
    } else if record.provenance == Provenance::Operator && !before.permits() && proposed.permits() {
        (record, Reason::OperatorBlockKept)
    } else {
        let provenance = match record.provenance {
            Provenance::Persisted => Provenance::Persisted,
            _ => Provenance::Uem,
        };
        (CacheRecord { state: proposed, provenance, ..record }, status.reason(caps))
    };
    let cut_connections = before.permits() && !record.state.permits();
    CheckinOutcome { record, reason, cut_connections }
}
