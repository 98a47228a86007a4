//! The proxy's own answers: short text bodies with a status that says what happened.

use crate::body::{AccessRecord, ProxyBody};
use hyper::body::Bytes;
use hyper::http::{HeaderValue, Response, StatusCode, header};

/// The header that carries a refusal's reason code.
pub(crate) const REASON_HEADER: &str = "x-postern-reason";

/// A local answer: `status`, a one-line text body, and the reason code when there is one.
pub(crate) fn local(
    status: StatusCode,
    reason: Option<&str>,
    text: &str,
    record: AccessRecord,
    outcome: &'static str,
) -> hyper::http::Response<ProxyBody> {
    let body = ProxyBody::local(Bytes::from(format!("{text}\n")), record, status.as_u16(), outcome);
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Some(reason) = reason.and_then(|r| HeaderValue::from_str(r).ok()) {
        headers.insert(REASON_HEADER, reason);
    }
    if status == StatusCode::METHOD_NOT_ALLOWED {
        headers.insert(header::ALLOW, HeaderValue::from_static("POST, OPTIONS"));
    }
    response
}
