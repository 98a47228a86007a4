//! Counting ActiveSync requests by outcome.

use postern_metrics::{LabelledCounter, MetricsError, Registry};

/// Every outcome an ActiveSync request is counted (and access-logged) under: `done` (the
/// back end's answer relayed whole), `streaming` (the client went away before the answer
/// ended), `blocked`, `posture-failed` (allowed, but a required Host Checker policy was
/// not passed), `no-role` (allowed, but no role of the user opens the back end), `cut`, `not-found`, `method`, `malformed`, `error` (no decision
/// could be made), `backend-down`, `backend-timeout`, `backend-failed` (the back end
/// broke off its answer).
pub const OUTCOMES: [&str; 15] = [
    "done",
    "streaming",
    "blocked",
    "posture-failed",
    "no-role",
    "cut",
    "not-found",
    "method",
    "malformed",
    "busy",
    "error",
    "shutting-down",
    "backend-down",
    "backend-timeout",
    "backend-failed",
];

/// Registers `postern_activesync_requests_total{outcome}` for [`crate::ProxyConfig::requests`].
pub fn register_request_counter(registry: &Registry) -> Result<LabelledCounter, MetricsError> {
    registry.labelled_counter(
        "postern_activesync_requests_total",
        "ActiveSync requests by outcome.",
        "outcome",
        &OUTCOMES,
    )
}
