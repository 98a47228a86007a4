//! Postern's TLS front end: certificates reloaded without dropping connections, connection limits, handshake timeouts, graceful shutdown and privilege dropping.

mod balancers;
mod certificate_watcher;
mod connection_limits;
mod error;
mod front_metrics;
mod handshake;
mod hop_by_hop;
mod http_hardening;
mod listener;
mod proxy_header;
mod service;
mod tls_config;

pub use balancers::Balancers;
pub use certificate_watcher::{CertificateWatcher, ReloadOutcome};
pub use connection_limits::{ConnectionLimits, Refusal};
pub use error::FrontError;
pub use front_metrics::FrontMetrics;
pub use handshake::HandshakeFailure;
pub use hop_by_hop::strip_hop_by_hop;
pub use http_hardening::{HttpLimits, hardened_http1_builder};
pub use listener::{Listener, ListenerConfig, ListenerHandle, ShutdownReport};
pub use proxy_header::ProxyHeaderFailure;
pub use service::{ConnectionService, PeerInfo};
pub use tls_config::{ClientAuth, TlsFloor, TlsSettings, build_server_config};
