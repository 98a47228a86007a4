//! A full compliance snapshot and its cursor: Graph has no change feed for managed
//! devices, so every pull lists them all, and the cursor is a digest of what was listed
//! (the same devices in the same states give the same cursor).

use crate::mapping::{to_change, to_wire_device};
use crate::wire::ManagedDevice;
use postern_uem_api::{BoundedList, ComplianceChange, ComplianceChanges, Cursor};

/// FNV-1a, 64 bits: a stable digest, not a security measure.
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The cursor naming this snapshot: `intune-<digest>-<count>`.
pub(crate) fn cursor_of(changes: &[ComplianceChange]) -> Result<Cursor, String> {
    let mut records =
        changes.iter().map(serde_json::to_string).collect::<Result<Vec<_>, _>>().map_err(|e| e.to_string())?;
    records.sort_unstable();
    let digest = records.iter().fold(0xcbf2_9ce4_8422_2325, |h, r| fnv1a(fnv1a(h, r.as_bytes()), b"\n"));
    Cursor::new(&format!("intune-{digest:016x}-{}", changes.len())).map_err(|e| e.to_string())
}

/// The full snapshot of these devices (those without a usable id are left out).
pub(crate) fn snapshot(devices: &[ManagedDevice]) -> Result<ComplianceChanges, String> {
    let changes: Vec<ComplianceChange> = devices.iter().filter_map(to_wire_device).map(to_change).collect();
    let cursor = cursor_of(&changes)?;
    let changes = BoundedList::new(changes).map_err(|e| e.to_string())?;
    Ok(ComplianceChanges { cursor, full: true, more: false, changes })
}
