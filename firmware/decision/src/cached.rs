//! S2: later accesses, decided from the cached entry alone (the hot path).

use crate::{CacheRecord, Channel, Decision, DeviceState, Provenance, Reason};

/// Decides a later access from the cached state and its provenance (S2).
///
/// Only `Allowed` lets traffic through; an undecided entry is refused. No allocation,
/// no lookups: this runs on every request.
#[inline]
pub const fn decide_cached(state: DeviceState, provenance: Provenance) -> Decision {
    let reason = match state {
        DeviceState::Allowed => Reason::CachedAllowed,
        DeviceState::Blocked => Reason::CachedBlocked,
        DeviceState::Quarantined => Reason::CachedQuarantined,
        DeviceState::Wiped => Reason::CachedWiped,
        DeviceState::Unknown => Reason::CachedUndecided,
    };
    Decision::from_state(state, reason, provenance)
}

/// Whether the scheduler must evaluate this ActiveSync record again as a first access
/// (S1) once the UEM can be reached (S3, S7).
///
/// True for records admitted or refused by the outage rule, records restored from disk
/// at start-up, records never decided, and records not matched to a UEM device (an
/// unregistered device that enrols later is then let in without operator action).
/// Wiped records matched to a UEM device are final and are not re-evaluated. App-tunnel
/// records are refreshed by check-ins instead (see [`awaits_checkin`]).
pub fn needs_first_access(record: &CacheRecord) -> bool {
    record.channel == Channel::ActiveSync
        && state_needs_first_access(record.state, record.provenance, record.identity.uem_device_id.is_none())
}

/// [`needs_first_access`] for an ActiveSync record known only by its state, provenance
/// and whether it is `unmatched` to a UEM device (what the cache keeps in memory).
pub fn state_needs_first_access(state: DeviceState, provenance: Provenance, unmatched: bool) -> bool {
    match state {
        DeviceState::Wiped => unmatched || provenance == Provenance::Persisted,
        _ => {
            unmatched
                || matches!(state, DeviceState::Unknown)
                || matches!(provenance, Provenance::OutageRule | Provenance::Persisted)
        }
    }
}

/// Whether the record is an app tunnel let in during an outage whose real state the next
/// compliance check-in must set (S5).
pub fn awaits_checkin(record: &CacheRecord) -> bool {
    record.provenance == Provenance::OutageAppTunnel
}

/// Prepares a record loaded from disk at start-up (S7).
///
/// ActiveSync records are marked [`Provenance::Persisted`] (keeping their state), so they
/// are evaluated again as first accesses and, while the UEM cannot be reached, keep their
/// last known state. Records only ever judged by the outage rule keep
/// [`Provenance::OutageRule`]: they are still new devices; operator blocks keep
/// [`Provenance::Operator`]: they hold until an operator lifts them. App-tunnel records are
/// reloaded as they were; check-ins refresh them.
#[must_use]
pub fn restore_at_startup(mut record: CacheRecord) -> CacheRecord {
    let keep = matches!(record.provenance, Provenance::OutageRule | Provenance::Operator);
    if record.channel == Channel::ActiveSync && !keep {
        record.provenance = Provenance::Persisted;
    }
    record
}
