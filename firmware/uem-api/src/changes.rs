//! `GET /api/v1/compliance/changes`: compliance changes since a cursor (S6, S8).

use crate::limits::MAX_CHANGES;
use crate::{BoundedList, Cursor, WireStatus};
use postern_decision::{EasDeviceId, UemDeviceId, UemStatus, UserId};
use serde::{Deserialize, Serialize};

/// One device's status as of a change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ComplianceChange {
    /// The device.
    pub uem_device_id: UemDeviceId,
    /// Its ActiveSync device id, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activesync_id: Option<EasDeviceId>,
    /// Its user, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserId>,
    /// Its status (the whole truth: not relative to earlier changes).
    pub status: WireStatus,
}

/// One page of the compliance feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplianceChanges {
    /// Where the next pull continues.
    pub cursor: Cursor,
    /// This is a full snapshot (no cursor was given): devices not listed are not enrolled.
    pub full: bool,
    /// More changes wait after `cursor`: pull again at once.
    #[serde(default)]
    pub more: bool,
    /// The changes, oldest first (at most 50 000; at most 1 000 on an incremental page).
    pub changes: BoundedList<ComplianceChange, MAX_CHANGES>,
}

impl ComplianceChange {
    /// The status in the decision core's terms.
    pub fn uem_status(&self) -> UemStatus {
        self.status.into()
    }
}
