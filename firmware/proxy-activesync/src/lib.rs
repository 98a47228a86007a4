//! The ActiveSync reverse proxy: every request decided by the access service, allowed ones streamed to the Exchange back end.

mod answer;
mod backend;
mod body;
mod client;
mod config;
mod error;
mod forward_headers;
mod live;
mod posture;
mod proxy;
mod request_metrics;
mod route;

pub use crate::{
    body::ProxyBody,
    client::ClientInfo,
    config::{BackendUrl, HostHeader, ProxyConfig, Scheme},
    error::{BackendError, BodyError, ProxyError},
    posture::{ActiveSyncPosture, DevicePosture},
    proxy::ActiveSyncProxy,
    request_metrics::{OUTCOMES, register_request_counter},
};
