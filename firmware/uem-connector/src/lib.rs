//! How the gateway talks to a UEM: the connector interface, and the static and Postern UEM API v1 connectors.

mod connector;
mod error;
mod postern_api;
mod setup_error;
mod static_uem;
mod unusable;

pub use connector::{Features, UemConnector, UemFuture};
pub use error::UemError;
pub use postern_api::{PosternApiConnector, Timeouts};
pub use setup_error::SetupError;
pub use static_uem::StaticUem;
pub use unusable::Unusable;
