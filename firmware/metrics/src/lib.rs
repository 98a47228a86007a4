//! Postern's metrics: a registry of counters and gauges in the Prometheus text format, and the management listener that serves it.

mod allowed_sources;
mod error;
mod exposition;
mod health;
mod instruments;
pub mod interface_counters;
mod management_listener;
mod registry;

pub use allowed_sources::SourcePrefixes;
pub use error::MetricsError;
pub use health::{HEALTH_PATH, Health};
pub use instruments::{Counter, Gauge, LabelledCounter};
pub use management_listener::{MANAGEMENT_MAX_CONNECTIONS, MetricsServer, REFUSED_METRIC};
pub use registry::{Collect, Registry};
