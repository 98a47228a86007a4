//! Gateway resources: registration, settings and the inventory push.

use crate::api::{ApiContext, Caller};
use crate::http::{Body, error, json, no_content, read_json};
use crate::state::ReceivedInventory;
use hyper::body::Incoming;
use hyper::{Request, Response, StatusCode};
use postern_decision::GatewayId;
use postern_uem_api::{ErrorCode, InventoryReport, MAX_INVENTORY_REQUEST_BYTES, Registration};
use std::time::{SystemTime, UNIX_EPOCH};

/// `POST /api/v1/gateways/{id}/register`.
pub(crate) async fn register(ctx: &ApiContext, caller: Caller) -> Response<Body> {
    let settings = ctx.store.read().await.settings;
    match GatewayId::new(&caller.gateway_id) {
        Ok(gateway_id) => json(StatusCode::OK, &Registration { gateway_id, settings }),
        Err(e) => error(ErrorCode::Internal, format!("stored gateway id: {e}")),
    }
}

/// `GET /api/v1/settings`.
pub(crate) async fn settings(ctx: &ApiContext) -> Response<Body> {
    let settings = ctx.store.read().await.settings;
    json(StatusCode::OK, &settings)
}

/// `PUT /api/v1/gateways/{id}/inventory`: replaces the gateway's inventory.
pub(crate) async fn inventory(ctx: &ApiContext, caller: Caller, req: Request<Incoming>) -> Response<Body> {
    let report: InventoryReport = match read_json(req, MAX_INVENTORY_REQUEST_BYTES).await {
        Ok(r) => r,
        Err(response) => return response,
    };
    let received_unix = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    if let Some(hold) = report.hold_secs.filter(|h| !postern_uem_api::HOLD_SECS.contains(h)) {
        return error(ErrorCode::BadRequest, format!("hold_secs {hold} is outside 1 to 86400"));
    }
    let stored = ReceivedInventory { received_unix, entries: report.entries.into_vec(), hold_secs: report.hold_secs };
    let result = ctx
        .store
        .update(|s| {
            s.inventories.insert(caller.gateway_id, stored);
            Ok::<(), std::convert::Infallible>(())
        })
        .await;
    match result {
        Ok(_) => no_content(),
        Err(e) => error(ErrorCode::Internal, e.to_string()),
    }
}
