//! Test hooks for the gateway's robustness tests, honoured only with `--faults`: the next
//! N gateway API answers fail in a chosen way. `postern-portal admin fault` writes the
//! order (with a fresh id) to `faults.json`; the server counts it down in memory.

use crate::store::{StateDir, read_json};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

/// Longest delay the slow fault accepts, in seconds.
pub(crate) const SLOW_MAX_SECS: u64 = 600;

/// How the next answers fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub(crate) enum FaultKind {
    /// `500` with a JSON error.
    Status500,
    /// `503`: the portal is down for maintenance.
    Unavailable,
    /// `200` with a body that is not JSON.
    Garbage,
    /// `200` with a profile of the next revision whose SAML signing key does not match
    /// its certificate: well-formed JSON a gateway must refuse.
    InvalidProfile,
    /// The normal answer, after a delay.
    Slow {
        /// Seconds to wait first.
        secs: u64,
    },
}

/// An order as written by the admin command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct FaultOrder {
    /// Random id: a new order replaces the one being counted down.
    pub(crate) id: u64,
    /// How; `None` clears.
    pub(crate) fault: Option<FaultKind>,
    /// How many answers.
    pub(crate) count: u32,
}

/// The order being counted down.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    current: Mutex<Option<(u64, Option<FaultKind>, u32)>>,
}

impl Faults {
    /// Takes one fault for the next answer, reading a new order if one was written.
    pub(crate) fn take(&self, state: &StateDir) -> Option<FaultKind> {
        let order: Option<FaultOrder> = read_json(&state.faults_path()).ok().flatten();
        let mut current = self.current.lock().ok()?;
        if let Some(order) = order {
            if current.is_none_or(|(id, _, _)| id != order.id) {
                *current = Some((order.id, order.fault, order.count));
            }
        }
        let (id, fault, left) = (*current)?;
        let fault = fault.filter(|_| left > 0)?;
        *current = Some((id, Some(fault), left - 1));
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::write_json;

    #[test]
    fn an_order_applies_to_exactly_count_answers_and_a_new_order_replaces_it() {
        let Ok(dir) = tempfile::tempdir() else { panic!("tempdir") };
        let state = StateDir::new(dir.path());
        let faults = Faults::default();
        assert_eq!(faults.take(&state), None);
        let order = FaultOrder { id: 1, fault: Some(FaultKind::Garbage), count: 2 };
        assert!(write_json(&state.faults_path(), &order).is_ok());
        assert_eq!(faults.take(&state), Some(FaultKind::Garbage));
        assert_eq!(faults.take(&state), Some(FaultKind::Garbage));
        assert_eq!(faults.take(&state), None);
        let order = FaultOrder { id: 2, fault: Some(FaultKind::Status500), count: 1 };
        assert!(write_json(&state.faults_path(), &order).is_ok());
        assert_eq!(faults.take(&state), Some(FaultKind::Status500));
        assert_eq!(faults.take(&state), None);
    }
}
