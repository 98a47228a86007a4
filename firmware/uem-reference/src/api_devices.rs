//! Device resources: the first-access lookup (S1) and app-tunnel authorisation (S4).

use crate::api::{ApiContext, Caller};
use crate::http::{Body, error, json, read_json};
use crate::state::State;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use postern_decision::GatewayId;
use postern_uem_api::{
    AuthoriseRequest, AuthoriseResponse, BoundedList, DeviceLookup, ErrorCode, InventoryKind, LookupQuery,
    MAX_REGISTERED_MATCHES, MAX_REQUEST_BYTES, MAX_UNREGISTERED_TUNNELS, WireDeviceState, WireStatus, WireTunnel,
};

/// `GET /api/v1/devices/lookup?activesync_id=…&user=…`.
pub(crate) async fn lookup(ctx: &ApiContext, caller: Caller, req: &Request<Incoming>) -> Response<Body> {
    let query = match LookupQuery::parse(req.uri().query().unwrap_or("")) {
        Ok(q) => q,
        Err(e) => return error(ErrorCode::BadRequest, e.to_string()),
    };
    let state = ctx.store.read().await;
    let answer = DeviceLookup {
        registered: registered(&state, &query),
        unregistered_tunnels: unregistered(&state, &query, &caller.gateway_id),
    };
    json(StatusCode::OK, &answer)
}

fn registered(state: &State, q: &LookupQuery) -> BoundedList<postern_uem_api::WireDevice, MAX_REGISTERED_MATCHES> {
    let found = state
        .devices
        .values()
        .filter(|d| {
            (q.activesync_id.is_some() && d.activesync_id == q.activesync_id) || (q.user.is_some() && d.user == q.user)
        })
        .take(MAX_REGISTERED_MATCHES)
        .cloned()
        .collect();
    BoundedList::new(found).unwrap_or_default()
}

/// ActiveSync devices that other gateways report as allowed without a UEM device id.
fn unregistered(state: &State, q: &LookupQuery, asking: &str) -> BoundedList<WireTunnel, MAX_UNREGISTERED_TUNNELS> {
    let mut found = Vec::new();
    let now = crate::holders::now_unix();
    for (gateway, inventory) in &state.inventories {
        // A lapsed inventory holds nothing: its devices may go elsewhere.
        if gateway == asking || !inventory.current(now) {
            continue;
        }
        let Ok(gateway_id) = GatewayId::new(gateway) else {
            continue;
        };
        for e in &inventory.entries {
            let unregistered =
                e.kind == InventoryKind::Activesync && e.state == WireDeviceState::Allowed && e.uem_device_id.is_none();
            let matches = (e.activesync_id.is_some() && e.activesync_id == q.activesync_id)
                || (e.activesync_id.is_none() && e.user.is_some() && e.user == q.user);
            if unregistered && matches && found.len() < MAX_UNREGISTERED_TUNNELS {
                found.push(WireTunnel {
                    activesync_id: e.activesync_id.clone(),
                    user: e.user.clone(),
                    gateway_id: gateway_id.clone(),
                });
            }
        }
    }
    BoundedList::new(found).unwrap_or_default()
}

/// `POST /api/v1/apptunnels/authorise`. An unknown device fails the device-policy and
/// traffic checks.
pub(crate) async fn authorise(ctx: &ApiContext, req: Request<Incoming>) -> Response<Body> {
    let ask: AuthoriseRequest = match read_json(req, MAX_REQUEST_BYTES).await {
        Ok(a) => a,
        Err(response) => return response,
    };
    let state = ctx.store.read().await;
    let uem_id = ask.uem_device_id.as_str();
    let device = state.devices.get(uem_id);
    let device_policy_ok = device.is_some_and(|d| match d.status {
        WireStatus::Compliant => true,
        WireStatus::Noncompliant { action } => matches!(
            action,
            postern_uem_api::WireAction::Email
                | postern_uem_api::WireAction::Monitor
                | postern_uem_api::WireAction::Notify
        ),
        WireStatus::Blocked | WireStatus::Wiped => false,
    });
    let traffic_rules_ok = device.is_some() && !state.tunnel_blocked(uem_id, ask.app_id.as_str(), ask.service.as_str());
    let app_authorised = !state.refused_apps.contains(ask.app_id.as_str());
    json(StatusCode::OK, &AuthoriseResponse { device_policy_ok, traffic_rules_ok, app_authorised })
}
