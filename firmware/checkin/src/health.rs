//! Whether the UEM can be reached, as the check-ins see it (S3, S5).

use crate::serde_ms;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The UEM as the check-ins last saw it. Times are offsets from the driver's epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum UemHealth {
    /// No check-in has finished yet.
    Unknown,
    /// The UEM has answered since `since` with no outage in between.
    Reachable {
        /// When it answered after being unknown or unreachable.
        #[serde(rename = "since_ms", with = "serde_ms::ms")]
        since: Duration,
    },
    /// A check-in found the UEM unusable at `since`, and none has succeeded since.
    Unreachable {
        /// When the first outage failure was seen.
        #[serde(rename = "since_ms", with = "serde_ms::ms")]
        since: Duration,
    },
}

/// A change of [`UemHealth`], reported once, when it happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HealthEvent {
    /// The UEM became unreachable (from unknown or reachable): new devices now follow the
    /// outage rules (S3, S5).
    UemLost {
        /// When.
        since: Duration,
    },
    /// The UEM answered again after being unreachable: re-evaluate the devices admitted
    /// during the outage (S3) and apply the real state of AppTunnels (S5).
    UemBack {
        /// When it became unreachable.
        down_since: Duration,
        /// When it answered again.
        back_at: Duration,
    },
}

impl UemHealth {
    /// Whether the last word from the check-ins is that the UEM answers.
    pub fn is_reachable(self) -> bool {
        matches!(self, UemHealth::Reachable { .. })
    }

    /// A check-in got a usable answer at `now`.
    pub(crate) fn answered(&mut self, now: Duration) -> Option<HealthEvent> {
        let event = match *self {
            UemHealth::Reachable { .. } => return None,
            UemHealth::Unknown => None,
            UemHealth::Unreachable { since } => Some(HealthEvent::UemBack { down_since: since, back_at: now }),
        };
        *self = UemHealth::Reachable { since: now };
        event
    }

    /// A check-in found the UEM unusable at `now`.
    pub(crate) fn outage(&mut self, now: Duration) -> Option<HealthEvent> {
        if let UemHealth::Unreachable { .. } = self {
            return None;
        }
        *self = UemHealth::Unreachable { since: now };
        Some(HealthEvent::UemLost { since: now })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn s(secs: u64) -> Duration {
        Duration::from_secs(secs)
    }

    #[test]
    fn first_answer_from_unknown_is_not_a_comeback() {
        let mut h = UemHealth::Unknown;
        assert_eq!(h.answered(s(1)), None);
        assert_eq!(h, UemHealth::Reachable { since: s(1) });
        assert_eq!(h.answered(s(5)), None);
        assert_eq!(h, UemHealth::Reachable { since: s(1) });
    }

    #[test]
    fn outage_then_answer_reports_each_transition_once() {
        let mut h = UemHealth::Unknown;
        assert_eq!(h.outage(s(2)), Some(HealthEvent::UemLost { since: s(2) }));
        assert_eq!(h.outage(s(3)), None);
        assert_eq!(h, UemHealth::Unreachable { since: s(2) });
        assert_eq!(h.answered(s(9)), Some(HealthEvent::UemBack { down_since: s(2), back_at: s(9) }));
        assert_eq!(h.answered(s(10)), None);
        assert!(h.is_reachable());
    }

    #[test]
    fn serialises_with_a_state_tag_and_milliseconds() {
        let json = serde_json::to_string(&UemHealth::Unreachable { since: s(3) }).unwrap_or_default();
        assert_eq!(json, r#"{"state":"unreachable","since_ms":3000}"#);
        let back: Result<UemHealth, _> = serde_json::from_str(&json);
        assert_eq!(back.ok(), Some(UemHealth::Unreachable { since: s(3) }));
    }
}
