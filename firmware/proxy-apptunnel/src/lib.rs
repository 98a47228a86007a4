//! The AppTunnel proxy: apps reach back-end services through CONNECT tunnels over mutual TLS, each tunnel decided per device, app and service.

mod activity;
mod error;
mod identity;
mod live_tunnels;
mod pool;
mod proxy;
mod refusal;
mod services;
mod splice;

pub use error::AppTunnelError;
pub use identity::{DEVICE_URI_PREFIX, IdentityError, device_identity};
pub use pool::ServerHealth;
pub use proxy::{APP_HEADER, AppTunnelConfig, AppTunnelProxy, REASON_HEADER};
pub use services::{Route, ServiceTable};
