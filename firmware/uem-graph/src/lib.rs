//! The Microsoft Graph (Intune) UEM connector: client-credentials token, managed-device paging, and the mapping to the decision core.

mod client;
mod connector;
mod endpoint;
mod https;
mod lookup;
mod mapping;
mod query;
mod secret;
mod settings;
mod setup_error;
mod snapshot;
mod tls;
mod token;
mod wire;

pub use connector::GraphConnector;
pub use mapping::map_status;
pub use settings::{DEFAULT_GRAPH_URL, GraphLimits, GraphSettings, default_token_url};
pub use setup_error::GraphSetupError;
pub use wire::{ComplianceState, ExchangeAccessState};
