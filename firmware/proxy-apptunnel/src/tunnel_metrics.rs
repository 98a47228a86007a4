//! The AppTunnel proxy's metrics: open tunnels and requests by outcome.

use postern_metrics::{Gauge, LabelledCounter, MetricsError, Registry};

/// Every outcome an AppTunnel request is counted under.
pub const OUTCOMES: [&str; 14] = [
    "tunnel",
    "forwarded",
    "blocked",
    "cut",
    "unknown-service",
    "bad-request",
    "no-identity",
    "device-limit",
    "backend-unreachable",
    "backend-timeout",
    "decision-unavailable",
    "destination-forbidden",
    "posture-failed",
    "no-role",
];

/// The AppTunnel proxy's instruments; cheap to clone.
#[derive(Debug, Clone)]
pub struct AppTunnelMetrics {
    /// Tunnels open now: CONNECT tunnels and the back-end connections of plain HTTP
    /// proxying, each counted from its registration to its close.
    pub tunnels_open: Gauge,
    /// Requests (CONNECT and plain HTTP) by outcome (see [`OUTCOMES`]).
    pub requests: LabelledCounter,
}

impl AppTunnelMetrics {
    /// Registers `postern_apptunnel_tunnels_open` and `postern_apptunnel_requests_total`.
    pub fn register(registry: &Registry) -> Result<Self, MetricsError> {
        Ok(Self {
            tunnels_open: registry.gauge(
                "postern_apptunnel_tunnels_open",
                "AppTunnel tunnels open now (CONNECT tunnels and plain HTTP back-end connections).",
            )?,
            requests: registry.labelled_counter(
                "postern_apptunnel_requests_total",
                "AppTunnel requests by outcome.",
                "outcome",
                &OUTCOMES,
            )?,
        })
    }
}
