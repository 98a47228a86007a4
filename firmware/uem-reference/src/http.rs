//! HTTP plumbing shared by the API and the admin listener: bodies, JSON answers, errors.

use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use postern_uem_api::{ApiError, ErrorCode, decode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::convert::Infallible;

/// Every answer's body.
pub(crate) type Body = BoxBody<Bytes, Infallible>;

/// A body of these bytes.
pub(crate) fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// A JSON answer.
pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => with_type(status, full(bytes)),
        Err(e) => error(ErrorCode::Internal, format!("cannot encode the answer: {e}")),
    }
}

/// An answer with a JSON body.
pub(crate) fn with_type(status: StatusCode, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// An empty `204 No Content`.
pub(crate) fn no_content() -> Response<Body> {
    let mut response = Response::new(full(Bytes::new()));
    *response.status_mut() = StatusCode::NO_CONTENT;
    response
}

/// An error answer: `{"error": code, "message": …}` with the code's status.
pub(crate) fn error(code: ErrorCode, message: impl Into<String>) -> Response<Body> {
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = ApiError::new(code, message);
    match serde_json::to_vec(&body) {
        Ok(bytes) => with_type(status, full(bytes)),
        Err(_) => with_type(status, full(Bytes::from_static(b"{\"error\":\"internal\",\"message\":\"\"}"))),
    }
}

/// Reads a JSON request body of at most `max` bytes into `T`; the error is the answer to
/// send (413 too large, 415 not JSON, 400 malformed).
pub(crate) async fn read_json<T: DeserializeOwned>(req: Request<Incoming>, max: usize) -> Result<T, Response<Body>> {
    if let Some(ct) = req.headers().get(CONTENT_TYPE) {
        let ok =
            ct.to_str().map(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json")).unwrap_or(false);
        if !ok {
            return Err(error(ErrorCode::UnsupportedMediaType, "the body must be application/json"));
        }
    }
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return Err(too_large(max));
    }
    let bytes = match Limited::new(req.into_body(), max).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => return Err(too_large(max)),
        Err(e) => {
            return Err(error(ErrorCode::BadRequest, format!("cannot read the body: {e}")));
        }
    };
    decode(&bytes, max).map_err(|e| error(ErrorCode::BadRequest, e.to_string()))
}

fn too_large(max: usize) -> Response<Body> {
    error(ErrorCode::PayloadTooLarge, format!("the body is larger than {max} bytes"))
}

/// Splits a path below `prefix` into its segments (`None` if it is not below it).
pub(crate) fn segments<'a>(path: &'a str, prefix: &str) -> Option<Vec<&'a str>> {
    let rest = path.strip_prefix(prefix)?;
    if !(rest.is_empty() || rest.starts_with('/')) {
        return None;
    }
    Some(rest.split('/').filter(|s| !s.is_empty()).collect())
}

/// A percent-decoded path segment.
pub(crate) fn decoded_segment(s: &str) -> Option<String> {
    percent_decode(s)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}
