//! HTTP plumbing of the gateway API: bodies, JSON answers, error answers.

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use postern_access_profile::api::ApiError;
use serde::Serialize;

/// Every answer's body.
pub(crate) type Body = Full<Bytes>;

/// A JSON answer.
pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(bytes) => with_json_type(status, bytes),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("cannot encode the answer: {e}")),
    }
}

/// An answer whose body is JSON bytes.
pub(crate) fn with_json_type(status: StatusCode, bytes: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(bytes.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

/// An error answer: `{"error": code, "message": …}`.
pub(crate) fn error(status: StatusCode, code: &str, message: impl Into<String>) -> Response<Body> {
    json(status, &ApiError { error: code.into(), message: message.into() })
}

/// Reads a body of at most `max` bytes that must be `application/json`; the error is the
/// answer to send (413, 415 or 400).
pub(crate) async fn read_json_body(req: Request<Incoming>, max: usize) -> Result<Bytes, Response<Body>> {
    let is_json = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().to_ascii_lowercase().starts_with("application/json"));
    if !is_json {
        return Err(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be application/json",
        ));
    }
    let too_large =
        || error(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large", format!("the body is larger than {max} bytes"));
    let declared = req.headers().get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > max as u64) {
        return Err(too_large());
    }
    match Limited::new(req.into_body(), max).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.downcast_ref::<LengthLimitError>().is_some() => Err(too_large()),
        Err(e) => Err(error(StatusCode::BAD_REQUEST, "bad_request", format!("cannot read the body: {e}"))),
    }
}
