//! `POST /api/v1/apptunnels/authorise`: may this app reach this service from this device (S4)?

use crate::{AppId, ServiceName};
use postern_decision::{AppTunnelAnswer, UemDeviceId};
use serde::{Deserialize, Serialize};

/// The question for a first app-tunnel access.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuthoriseRequest {
    /// The device the tunnel comes from.
    pub uem_device_id: UemDeviceId,
    /// The app asking.
    pub app_id: AppId,
    /// The back-end service it wants to reach.
    pub service: ServiceName,
}

/// The UEM's three checks (S4); the gateway decides from them in a fixed order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AuthoriseResponse {
    /// The device satisfies its security policy.
    pub device_policy_ok: bool,
    /// The traffic-control rules let the connection through.
    pub traffic_rules_ok: bool,
    /// The app is authorised.
    pub app_authorised: bool,
}

impl From<AuthoriseResponse> for AppTunnelAnswer {
    fn from(r: AuthoriseResponse) -> Self {
        AppTunnelAnswer {
            device_policy_ok: r.device_policy_ok,
            traffic_rules_ok: r.traffic_rules_ok,
            app_authorised: r.app_authorised,
        }
    }
}

impl From<AppTunnelAnswer> for AuthoriseResponse {
    fn from(a: AppTunnelAnswer) -> Self {
        AuthoriseResponse {
            device_policy_ok: a.device_policy_ok,
            traffic_rules_ok: a.traffic_rules_ok,
            app_authorised: a.app_authorised,
        }
    }
}
