//! The admin listener: enrol devices, change their status, block tunnels, set the
//! settings, add gateway tokens, list inventories and devices, order test faults. Every
//! request needs `Authorization: Bearer <admin token>` (401 otherwise), and a request with
//! a body needs `Content-Type: application/json` (415 otherwise).

use crate::faults::{FaultOrder, Faults};
use crate::http::{Body, decoded_segment, error, json, no_content, read_json, segments};
use crate::state::State;
use crate::store::Store;
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use postern_uem_api::{BearerToken, ErrorCode, MAX_REQUEST_BYTES, Settings, TunnelAction, WireDevice, WireStatus};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What the admin handlers need.
pub(crate) struct AdminContext {
    pub(crate) store: Arc<Store>,
    /// Present only with `--faults`.
    pub(crate) faults: Option<Arc<Faults>>,
    /// The token every admin request must present.
    pub(crate) token: BearerToken,
}

/// `PUT /admin/gateways/{id}/token`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct TokenBody {
    /// The gateway's bearer token.
    pub(crate) token: BearerToken,
}

/// `PUT /admin/apps/{app_id}`.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct AppBody {
    /// Whether the app is authorised for app tunnels.
    pub(crate) authorised: bool,
}

/// Answers one admin request.
pub(crate) async fn handle(ctx: Arc<AdminContext>, req: Request<Incoming>) -> Response<Body> {
    if let Some(refusal) = refusal(&ctx, &req) {
        return refusal;
    }
    let path = req.uri().path().to_owned();
    let Some(parts) = segments(&path, "/admin") else {
        return error(ErrorCode::NotFound, "no such resource");
    };
    let method = req.method().clone();
    match (parts.as_slice(), method) {
        (["devices"], Method::GET) => {
            let state = ctx.store.read().await;
            json(StatusCode::OK, &state.devices.values().collect::<Vec<_>>())
        }
        (["devices"], Method::POST) => enrol(&ctx, req).await,
        (["devices", id, "status"], Method::PUT) => match decoded_segment(id) {
            Some(id) => set_status(&ctx, id, req).await,
            None => error(ErrorCode::BadRequest, "bad device id in the path"),
        },
        (["tunnels", "actions"], Method::POST) => {
            let action: TunnelAction = match read_json(req, MAX_REQUEST_BYTES).await {
                Ok(a) => a,
                Err(response) => return response,
            };
            let limit = ctx.store.log_limit;
            change(&ctx, move |s| {
                s.tunnel_action(action, limit);
                Ok(())
            })
            .await
        }
        (["settings"], Method::GET) => json(StatusCode::OK, &ctx.store.read().await.settings),
        (["settings"], Method::PUT) => {
            let settings: Settings = match read_json(req, MAX_REQUEST_BYTES).await {
                Ok(s) => s,
                Err(response) => return response,
            };
            change(&ctx, move |s| {
                s.settings = settings;
                Ok(())
            })
            .await
        }
        (["gateways", gw, "token"], Method::PUT) => {
            let Some(gw) = decoded_segment(gw).filter(|g| postern_decision::GatewayId::new(g).is_ok()) else {
                return error(ErrorCode::BadRequest, "bad gateway id in the path");
            };
            let body: TokenBody = match read_json(req, MAX_REQUEST_BYTES).await {
                Ok(b) => b,
                Err(response) => return response,
            };
            change(&ctx, move |s| {
                s.tokens.insert(gw, body.token);
                Ok(())
            })
            .await
        }
        (["apps", app], Method::PUT) => {
            let Some(app) = decoded_segment(app).filter(|a| postern_uem_api::AppId::new(a).is_ok()) else {
                return error(ErrorCode::BadRequest, "bad app id in the path");
            };
            let body: AppBody = match read_json(req, MAX_REQUEST_BYTES).await {
                Ok(b) => b,
                Err(response) => return response,
            };
            change(&ctx, move |s| {
                if body.authorised {
                    s.refused_apps.remove(&app);
                } else {
                    s.refused_apps.insert(app);
                }
                Ok(())
            })
            .await
        }
        (["inventories"], Method::GET) => json(StatusCode::OK, &ctx.store.read().await.inventories),
        (["holders"], Method::GET) => {
            json(StatusCode::OK, &crate::holders::merged(&*ctx.store.read().await, crate::holders::now_unix()))
        }
        (["faults"], Method::POST) => faults(&ctx, req).await,
        _ => error(ErrorCode::NotFound, "no such admin resource or method"),
    }
}

/// The answer to a request without the admin token (401) or with a body that is not
/// declared JSON (415); `None` for a request that may go on.
fn refusal(ctx: &AdminContext, req: &Request<Incoming>) -> Option<Response<Body>> {
    let presented =
        req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    if !presented.is_some_and(|p| ctx.token.matches(p.trim())) {
        let mut response = error(ErrorCode::Unauthorized, "the admin token is missing or wrong");
        response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        return Some(response);
    }
    let takes_body = matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH);
    let json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    (takes_body && !json).then(|| {
        error(ErrorCode::UnsupportedMediaType, "a request body must be sent with Content-Type: application/json")
    })
}

async fn enrol(ctx: &AdminContext, req: Request<Incoming>) -> Response<Body> {
    let device: WireDevice = match read_json(req, MAX_REQUEST_BYTES).await {
        Ok(d) => d,
        Err(response) => return response,
    };
    let limit = ctx.store.log_limit;
    let answer = device.clone();
    match ctx.store.update(move |s| s.enrol(device, limit)).await {
        Ok(Ok(())) => json(StatusCode::CREATED, &answer),
        Ok(Err(e)) => error(ErrorCode::BadRequest, e.to_string()),
        Err(e) => error(ErrorCode::Internal, e.to_string()),
    }
}

async fn set_status(ctx: &AdminContext, id: String, req: Request<Incoming>) -> Response<Body> {
    let status: WireStatus = match read_json(req, MAX_REQUEST_BYTES).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let limit = ctx.store.log_limit;
    match ctx.store.update(move |s| s.set_status(&id, status, limit)).await {
        Ok(Ok(device)) => json(StatusCode::OK, &device),
        Ok(Err(e)) => error(ErrorCode::NotFound, e.to_string()),
        Err(e) => error(ErrorCode::Internal, e.to_string()),
    }
}

async fn change(
    ctx: &AdminContext,
    f: impl FnOnce(&mut State) -> Result<(), std::convert::Infallible>,
) -> Response<Body> {
    match ctx.store.update(f).await {
        Ok(_) => no_content(),
        Err(e) => error(ErrorCode::Internal, e.to_string()),
    }
}

async fn faults(ctx: &AdminContext, req: Request<Incoming>) -> Response<Body> {
    let Some(faults) = ctx.faults.clone() else {
        return error(ErrorCode::NotFound, "test faults are off; start the server with --faults");
    };
    match read_json::<FaultOrder>(req, MAX_REQUEST_BYTES).await {
        Ok(order) => {
            faults.order(order);
            no_content()
        }
        Err(response) => response,
    }
}
