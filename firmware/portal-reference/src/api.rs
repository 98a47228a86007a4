//! The gateway API: bearer authentication (the token names the tenant and the gateway),
//! test faults, the profile with its ETag, and sign-in batches.

use crate::faults::{FaultKind, Faults};
use crate::http::{Body, error, json, read_json_body, with_json_type};
use crate::store::{Received, StateDir, StoreError, token_hash};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, ETAG, HeaderValue, IF_NONE_MATCH, WWW_AUTHENTICATE};
use hyper::{Method, Request, Response, StatusCode};
use postern_access_profile::api::{
    MAX_SIGN_IN_BATCH_BYTES, PROFILE_PATH, REVISION_HEADER, SIGN_INS_PATH, SignInBatch, SignInReceipt,
};
use sha2::{Digest, Sha256};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::sync::Mutex;

/// Most sign-in reports kept per tenant; beyond, batches get `503`.
pub(crate) const MAX_STORED_SIGN_INS: usize = 100_000;

/// What the handlers need.
pub(crate) struct ApiContext {
    pub(crate) state: StateDir,
    /// Present only with `--faults`.
    pub(crate) faults: Option<Faults>,
    /// Serialises the read-change-write of sign-in files.
    pub(crate) writes: Mutex<()>,
}

struct Caller {
    tenant: String,
    gateway: String,
}

/// Answers one gateway API request.
pub(crate) async fn handle(ctx: Arc<ApiContext>, req: Request<Incoming>) -> Response<Body> {
    let caller = match authenticate(&ctx.state, &req) {
        Ok(Some(caller)) => caller,
        Ok(None) => {
            let mut response = error(StatusCode::UNAUTHORIZED, "unauthorized", "a valid bearer token is required");
            response.headers_mut().insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return early(req, response).await;
        }
        Err(e) => return early(req, internal(&e)).await,
    };
    let fault = ctx.faults.as_ref().and_then(|f| f.take(&ctx.state));
    match fault {
        Some(FaultKind::Status500) => {
            return early(req, error(StatusCode::INTERNAL_SERVER_ERROR, "internal", "injected fault: status 500"))
                .await;
        }
        Some(FaultKind::Unavailable) => {
            let down = error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "injected fault: down for maintenance");
            return early(req, down).await;
        }
        Some(FaultKind::Garbage) => {
            return early(req, with_json_type(StatusCode::OK, &b"{\"revision\": <<not JSON>> \x00\xff"[..])).await;
        }
        Some(FaultKind::Slow { secs }) => {
            tokio::time::sleep(Duration::from_secs(secs.min(crate::faults::SLOW_MAX_SECS))).await
        }
        Some(FaultKind::InvalidProfile) | None => {}
    }
    let invalid = fault == Some(FaultKind::InvalidProfile);
    let path = req.uri().path().to_owned();
    match (path.as_str(), req.method()) {
        (PROFILE_PATH, &Method::GET) => profile(&ctx.state, &caller, &req, invalid),
        (SIGN_INS_PATH, &Method::POST) => sign_ins(&ctx, &caller, req).await,
        (PROFILE_PATH | SIGN_INS_PATH, method) => {
            let refused =
                error(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", format!("{method} is not allowed here"));
            early(req, refused).await
        }
        _ => early(req, error(StatusCode::NOT_FOUND, "not_found", "no such resource")).await,
    }
}

/// Most time spent reading a body that an early answer does not need.
const DISCARD_WAIT: Duration = Duration::from_secs(10);

/// Answers before the body is read, as a server with lingering close does: what is left of
/// the body (at most one batch's bytes, for at most `DISCARD_WAIT`) is read and dropped
/// first. Closing with unread bytes would reset the connection, and a client still
/// writing its body would see the reset instead of the answer.
async fn early(req: Request<Incoming>, answer: Response<Body>) -> Response<Body> {
    let body = Limited::new(req.into_body(), MAX_SIGN_IN_BATCH_BYTES);
    let _ = tokio::time::timeout(DISCARD_WAIT, body.collect()).await;
    answer
}

fn internal(e: &StoreError) -> Response<Body> {
    error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string())
}

fn authenticate(state: &StateDir, req: &Request<Incoming>) -> Result<Option<Caller>, StoreError> {
    let Some(token) = req
        .headers()
        .get(AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
    else {
        return Ok(None);
    };
    let presented = token_hash(token);
    for tenant in state.tenant_names()? {
        for (gateway, hash) in state.gateways(&tenant)? {
            if hash == presented {
                return Ok(Some(Caller { tenant, gateway }));
            }
        }
    }
    Ok(None)
}

/// The ETag of profile bytes: its revision and a digest of its content.
fn etag(revision: u64, bytes: &[u8]) -> String {
    let digest: String = Sha256::digest(bytes).iter().take(8).map(|b| format!("{b:02x}")).collect();
    format!("\"r{revision}-{digest}\"")
}

fn profile(state: &StateDir, caller: &Caller, req: &Request<Incoming>, invalid: bool) -> Response<Body> {
    let bytes = match state.profile_bytes(&caller.tenant) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            return error(
                StatusCode::NOT_FOUND,
                "no_profile",
                format!("tenant {:?} has no profile yet", caller.tenant),
            );
        }
        Err(e) => return internal(&e),
    };
    let mut profile = match postern_access_profile::parse(&bytes) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
    };
    let bytes = if invalid {
        profile.revision += 1;
        match rcgen::KeyPair::generate() {
            Ok(key) => profile.saml_signing.private_key_pem = key.serialize_pem(),
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
        }
        match serde_json::to_vec(&profile) {
            Ok(b) => b,
            Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, "internal", e.to_string()),
        }
    } else {
        bytes
    };
    let tag = etag(profile.revision, &bytes);
    let held = req.headers().get(IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    let mut response = if held.is_some_and(|h| h.split(',').any(|t| t.trim() == tag)) {
        let mut r = Response::new(Body::default());
        *r.status_mut() = StatusCode::NOT_MODIFIED;
        r
    } else {
        with_json_type(StatusCode::OK, bytes)
    };
    if let Ok(v) = HeaderValue::from_str(&tag) {
        response.headers_mut().insert(ETAG, v);
    }
    response.headers_mut().insert(REVISION_HEADER, HeaderValue::from(profile.revision));
    response
}

async fn sign_ins(ctx: &ApiContext, caller: &Caller, req: Request<Incoming>) -> Response<Body> {
    let bytes = match read_json_body(req, MAX_SIGN_IN_BATCH_BYTES).await {
        Ok(b) => b,
        Err(answer) => return answer,
    };
    let batch: SignInBatch = match serde_json::from_slice(&bytes) {
        Ok(b) => b,
        Err(e) => return error(StatusCode::BAD_REQUEST, "bad_request", format!("not a sign-in batch: {e}")),
    };
    if let Err(problems) = batch.validate() {
        return error(StatusCode::BAD_REQUEST, "bad_request", problems.to_string());
    }
    let _guard = ctx.writes.lock().await;
    let mut stored = match ctx.state.sign_ins(&caller.tenant) {
        Ok(s) => s,
        Err(e) => return internal(&e),
    };
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let mut receipt = SignInReceipt { accepted: 0, duplicates: 0 };
    for sign_in in batch.sign_ins {
        if stored.contains_key(&sign_in.id) {
            receipt.duplicates += 1;
            continue;
        }
        if stored.len() >= MAX_STORED_SIGN_INS {
            return error(StatusCode::SERVICE_UNAVAILABLE, "unavailable", "the portal's report store is full");
        }
        receipt.accepted += 1;
        stored.insert(sign_in.id.clone(), Received { received_unix: now, gateway: caller.gateway.clone(), sign_in });
    }
    if receipt.accepted > 0 {
        if let Err(e) = ctx.state.save_sign_ins(&caller.tenant, &stored) {
            return internal(&e);
        }
    }
    json(StatusCode::OK, &receipt)
}
