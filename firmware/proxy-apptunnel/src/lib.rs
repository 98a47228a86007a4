//! The AppTunnel proxy: apps reach back-end services through CONNECT tunnels and plain HTTP proxying over mutual TLS, each decided per device, app and service.

mod activity;
mod config;
mod destinations;
mod device_limits;
mod error;
mod forward_headers;
mod http_forward;
mod identity;
mod live_tunnels;
mod origins;
mod pool;
mod posture;
mod proxy;
mod refusal;
mod requests;
mod services;
mod splice;
mod tunnel_metrics;
mod wildcard;

pub use config::AppTunnelConfig;
pub use device_limits::DEFAULT_MAX_CONNECTIONS_PER_DEVICE;
pub use error::AppTunnelError;
pub use identity::{DEVICE_URI_PREFIX, IdentityError, device_identity};
pub use origins::{TunnelOrigin, TunnelOrigins};
pub use pool::ServerHealth;
pub use posture::{PostureGate, PostureRequirements};
pub use proxy::{APP_HEADER, AppTunnelProxy, REASON_HEADER};
pub use services::{Route, ServiceTable};
pub use tunnel_metrics::{AppTunnelMetrics, OUTCOMES};
