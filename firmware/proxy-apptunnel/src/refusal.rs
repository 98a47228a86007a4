//! The answers the proxy gives instead of a tunnel or a back end's response.

use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::{Response, StatusCode};
use std::convert::Infallible;

/// The response body type of the proxy: a short local text or a back end's body.
pub(crate) type Body = UnsyncBoxBody<Bytes, hyper::Error>;

/// A body holding `bytes`.
pub(crate) fn full(bytes: Bytes) -> Body {
    Full::new(bytes).map_err(|never: Infallible| match never {}).boxed_unsync()
}

/// A refusal: `status`, the reason in `X-Postern-Reason`, and the reason as the body.
pub(crate) fn refuse(status: StatusCode, reason: &str) -> Response<Body> {
    let mut response = Response::new(full(Bytes::from(format!("{reason}\n"))));
    *response.status_mut() = status;
    if let Ok(value) = hyper::header::HeaderValue::from_str(reason) {
        response.headers_mut().insert(crate::proxy::REASON_HEADER, value);
    }
    response
}

/// `200 Connection Established`.
pub(crate) fn established() -> Response<Body> {
    Response::new(full(Bytes::new()))
}
