//! The answers the proxy gives instead of a tunnel.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::{Response, StatusCode};

/// The response body type of the proxy.
pub(crate) type Body = Full<Bytes>;

/// A refusal: `status`, the reason in `X-Postern-Reason`, and the reason as the body.
pub(crate) fn refuse(status: StatusCode, reason: &str) -> Response<Body> {
    let mut response = Response::new(Full::new(Bytes::from(format!("{reason}\n"))));
    *response.status_mut() = status;
    if let Ok(value) = hyper::header::HeaderValue::from_str(reason) {
        response.headers_mut().insert(crate::proxy::REASON_HEADER, value);
    }
    response
}

/// `200 Connection Established`.
pub(crate) fn established() -> Response<Body> {
    Response::new(Full::new(Bytes::new()))
}
