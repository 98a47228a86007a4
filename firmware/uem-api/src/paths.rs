//! The API's paths.

use postern_decision::GatewayId;

/// Every path starts with this.
pub const API_BASE: &str = "/api/v1";
/// `GET`: the UEM-provided settings.
pub const SETTINGS_PATH: &str = "/api/v1/settings";
/// `GET`: registered devices and unregistered tunnels that may match (query: [`crate::LookupQuery`]).
pub const LOOKUP_PATH: &str = "/api/v1/devices/lookup";
/// `POST`: authorise an app tunnel.
pub const AUTHORISE_PATH: &str = "/api/v1/apptunnels/authorise";
/// `GET`: compliance changes since a cursor (query: [`crate::PollQuery`]).
pub const CHANGES_PATH: &str = "/api/v1/compliance/changes";
/// `GET`: tunnel actions since a cursor (query: [`crate::PollQuery`]).
pub const ACTIONS_PATH: &str = "/api/v1/tunnels/actions";

/// `POST`: register a gateway. Gateway ids hold no `/` or control characters in
/// practice; the id is percent-encoded all the same.
pub fn register_path(gateway: &GatewayId) -> String {
    format!("{API_BASE}/gateways/{}/register", segment(gateway.as_str()))
}

/// `PUT`: a gateway's tunnel inventory.
pub fn inventory_path(gateway: &GatewayId) -> String {
    format!("{API_BASE}/gateways/{}/inventory", segment(gateway.as_str()))
}

fn segment(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, crate::query::COMPONENT).to_string()
}
