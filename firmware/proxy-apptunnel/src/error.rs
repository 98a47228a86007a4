//! Why an AppTunnel proxy could not be built.

/// A configuration the AppTunnel proxy cannot serve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AppTunnelError {
    /// A service's server entry is not `host:port` or `*.domain:port`.
    #[error("service {service}: server {server:?} is not host:port or *.domain:port")]
    BadServer {
        /// The service.
        service: String,
        /// The entry.
        server: String,
    },
    /// A service lists no server.
    #[error("service {service}: no server")]
    NoServer {
        /// The service.
        service: String,
    },
}
