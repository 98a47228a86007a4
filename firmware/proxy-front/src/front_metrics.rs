//! The front end's counters, registered in a `postern_metrics::Registry`.

use crate::error::FrontError;
use crate::handshake::HandshakeFailure;
use crate::proxy_header::ProxyHeaderFailure;
use postern_metrics::{Counter, Gauge, LabelledCounter, Registry};

/// Counters and gauges of the TLS front end; cheap to clone.
#[derive(Debug, Clone)]
pub struct FrontMetrics {
    /// Connections that passed the limits and started a handshake.
    pub connections_accepted: Counter,
    /// Connections closed at once, by the limit they hit (`total` or `per_ip`).
    pub connections_refused: LabelledCounter,
    /// Connections open now (handshaking or served).
    pub connections_live: Gauge,
    /// Completed TLS handshakes.
    pub handshakes_completed: Counter,
    /// Failed TLS handshakes by reason (see [`HandshakeFailure::label`]).
    pub handshake_failures: LabelledCounter,
    /// Connections on a PROXY protocol listener refused before the handshake, by reason:
    /// `source` (not from a configured balancer), `header` (missing or malformed header),
    /// `timeout` (no whole header in time).
    pub proxy_protocol_refused: LabelledCounter,
    /// Certificate reload attempts by outcome (`reloaded` or `refused`).
    pub certificate_reloads: LabelledCounter,
}

impl FrontMetrics {
    /// Registers the front end's metrics in `registry`.
    pub fn register(registry: &Registry) -> Result<Self, FrontError> {
        Ok(Self {
            connections_accepted: registry.counter(
                "postern_proxy_connections_accepted_total",
                "TCP connections accepted by the proxy listener.",
            )?,
            connections_refused: registry.labelled_counter(
                "postern_proxy_connections_refused_total",
                "TCP connections closed at once because a connection limit was reached.",
                "limit",
                &["total", "per_ip"],
            )?,
            connections_live: registry
                .gauge("postern_proxy_connections_live", "Connections open on the proxy listener.")?,
            handshakes_completed: registry
                .counter("postern_proxy_tls_handshakes_total", "TLS handshakes completed.")?,
            handshake_failures: registry.labelled_counter(
                "postern_proxy_tls_handshake_failures_total",
                "TLS handshakes that failed, by reason.",
                "reason",
                &HandshakeFailure::LABELS,
            )?,
            proxy_protocol_refused: registry.labelled_counter(
                "postern_proxy_proxy_protocol_refused_total",
                "Connections on a PROXY protocol listener refused before the TLS handshake, by reason.",
                "reason",
                &ProxyHeaderFailure::LABELS,
            )?,
            certificate_reloads: registry.labelled_counter(
                "postern_proxy_certificate_reloads_total",
                "Certificate file changes seen, by outcome.",
                "outcome",
                &["reloaded", "refused"],
            )?,
        })
    }
}
