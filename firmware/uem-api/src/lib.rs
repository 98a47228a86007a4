//! Postern UEM API v1: the JSON wire types between the gateway and a UEM, without I/O.

mod actions;
mod apptunnel;
mod bounded;
mod changes;
mod convert;
mod error_body;
mod inventory;
mod limits;
mod lookup;
mod paths;
mod query;
mod settings;
mod status;
mod text;
mod wire;

pub use actions::{TunnelAction, TunnelActions, TunnelTarget, TunnelVerb};
pub use apptunnel::{AuthoriseRequest, AuthoriseResponse};
pub use bounded::{BoundedList, ListTooLong};
pub use changes::{ComplianceChange, ComplianceChanges};
pub use convert::ConvertError;
pub use error_body::{ApiError, ErrorCode};
pub use inventory::{HOLD_SECS, InventoryEntry, InventoryKind, InventoryReport, WireDeviceState};
pub use limits::{
    APP_ID_MAX, CURSOR_MAX, ERROR_MESSAGE_MAX, MAX_ACTIONS, MAX_CHANGES, MAX_INVENTORY_ENTRIES,
    MAX_INVENTORY_REQUEST_BYTES, MAX_PAGE, MAX_REGISTERED_MATCHES, MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES,
    MAX_UNREGISTERED_TUNNELS, MAX_WAIT_SECS, SERVICE_MAX, TOKEN_MAX,
};
pub use lookup::{DeviceLookup, WireDevice, WireTunnel};
pub use paths::{
    ACTIONS_PATH, API_BASE, AUTHORISE_PATH, CHANGES_PATH, LOOKUP_PATH, SETTINGS_PATH, inventory_path, register_path,
};
/// App ids, service names and the outage rule are the decision core's own.
pub use postern_decision::{AppId, OutagePolicy, ServiceName};
pub use query::{LookupQuery, PollQuery, QueryError};
pub use settings::{Registration, Settings, WireUemKind};
pub use status::{WireAction, WirePlatform, WireStatus};
pub use text::{BearerToken, Cursor};
pub use wire::{WireError, decode, encode};
