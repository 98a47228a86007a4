//! The API listener's routing: bearer authentication, test faults, then one handler per
//! resource.

use crate::api_devices;
use crate::api_feeds;
use crate::api_gateways;
use crate::faults::{self, Faults};
use crate::http::{Body, decoded_segment, error, segments};
use crate::store::Store;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response};
use postern_uem_api::{API_BASE, ErrorCode};
use std::sync::Arc;

/// What every API request handler needs.
pub(crate) struct ApiContext {
    pub(crate) store: Arc<Store>,
    /// Present only with `--faults`.
    pub(crate) faults: Option<Arc<Faults>>,
}

/// The gateway a valid bearer token belongs to.
pub(crate) struct Caller {
    pub(crate) gateway_id: String,
}

/// Answers one API request.
pub(crate) async fn handle(ctx: Arc<ApiContext>, req: Request<Incoming>) -> Response<Body> {
    let Some(caller) = authenticate(&ctx, &req).await else {
        let mut response = error(ErrorCode::Unauthorized, "a valid bearer token is required");
        response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return response;
    };
    if let Some(fault) = ctx.faults.as_ref().and_then(|f| f.take()) {
        if let Some(response) = faults::answer(fault) {
            return response;
        }
        if let Some(delay) = faults::delay(fault) {
            tokio::time::sleep(delay).await;
        }
    }
    route(&ctx, caller, req).await
}

async fn route(ctx: &ApiContext, caller: Caller, req: Request<Incoming>) -> Response<Body> {
    let path = req.uri().path().to_owned();
    let Some(parts) = segments(&path, API_BASE) else {
        return error(ErrorCode::NotFound, "no such resource");
    };
    let method = req.method().clone();
    match (parts.as_slice(), &method) {
        (["gateways", gw, _], _) if !same_gateway(&caller, gw) => {
            error(ErrorCode::Forbidden, "the token belongs to a different gateway")
        }
        (["gateways", _, "register"], &Method::POST) => api_gateways::register(ctx, caller).await,
        (["gateways", _, "inventory"], &Method::PUT) => api_gateways::inventory(ctx, caller, req).await,
        (["settings"], &Method::GET) => api_gateways::settings(ctx).await,
        (["devices", "lookup"], &Method::GET) => api_devices::lookup(ctx, caller, &req).await,
        (["apptunnels", "authorise"], &Method::POST) => api_devices::authorise(ctx, req).await,
        (["compliance", "changes"], &Method::GET) => api_feeds::changes(ctx, &req).await,
        (["tunnels", "actions"], &Method::GET) => api_feeds::actions(ctx, &req).await,
        (
            ["gateways", _, "register" | "inventory"]
            | ["settings"]
            | ["devices", "lookup"]
            | ["apptunnels", "authorise"]
            | ["compliance", "changes"]
            | ["tunnels", "actions"],
            _,
        ) => error(ErrorCode::MethodNotAllowed, format!("{method} is not allowed here")),
        _ => error(ErrorCode::NotFound, "no such resource"),
    }
}

fn same_gateway(caller: &Caller, segment: &str) -> bool {
    decoded_segment(segment).is_some_and(|gw| gw == caller.gateway_id)
}

async fn authenticate(ctx: &ApiContext, req: &Request<Incoming>) -> Option<Caller> {
    let header = req.headers().get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    let state = ctx.store.read().await;
    let mut found = None;
    for (gateway, known) in &state.tokens {
        if known.matches(token) {
            found = Some(gateway.clone());
        }
    }
    found.map(|gateway_id| Caller { gateway_id })
}
