//! What an HTTP answer means to the gateway: a body to decode, or a typed [`UemError`].
//!
//! 2xx: the body (capped). 401/403: [`UemError::Unauthorised`]. 410:
//! [`UemError::CursorRefused`]. 429/503 with `Retry-After`: [`UemError::Throttled`].
//! Anything else: [`UemError::Status`] with the JSON error's message.

use super::body::{BodyError, read_capped};
use super::timeouts::{ERROR_ANSWER, MAX_RETRY_AFTER};
use crate::UemError;
use hyper::body::{Body, Bytes};
use hyper::header::RETRY_AFTER;
use hyper::{Response, StatusCode};
use postern_uem_api::{ApiError, ERROR_MESSAGE_MAX};
use std::time::{Duration, SystemTime};

/// The body of a successful answer (at most `cap` bytes), or the error the answer means.
pub(super) async fn read<B>(response: Response<B>, cap: usize, endpoint: &str) -> Result<Vec<u8>, UemError>
where
    B: Body<Data = Bytes>,
    B::Error: std::fmt::Display,
{
    let (parts, body) = response.into_parts();
    if parts.status.is_success() {
        return read_capped(body, cap).await.map_err(|e| body_error(e, endpoint));
    }
    let retry_after = parts
        .headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| parse_retry_after(v, SystemTime::now()));
    let message =
        if needs_message(parts.status) { Some(error_message(read_capped(body, ERROR_ANSWER).await)) } else { None };
    Err(classify(parts.status, retry_after, message, endpoint))
}

fn needs_message(status: StatusCode) -> bool {
    !matches!(status.as_u16(), 401 | 403 | 410)
}

/// A body that could not be read: cut off by the cap, or the connection failed.
pub(super) fn body_error(e: BodyError, endpoint: &str) -> UemError {
    match e {
        BodyError::Broken(_) => UemError::Unreachable { endpoint: endpoint.to_owned(), reason: e.to_string() },
        BodyError::Declared { .. } | BodyError::TooLong { .. } => {
            UemError::BadAnswer { endpoint: endpoint.to_owned(), reason: e.to_string() }
        }
    }
}

/// The message of an error body: the JSON error's, or a note that there was none.
fn error_message(body: Result<Vec<u8>, BodyError>) -> String {
    match body {
        Ok(bytes) => match serde_json::from_slice::<ApiError>(&bytes) {
            Ok(error) => error.message,
            Err(_) if bytes.is_empty() => "(empty body)".to_owned(),
            Err(_) => "(no JSON error body)".to_owned(),
        },
        Err(e) => format!("(error body unreadable: {e})"),
    }
}

/// The error an unsuccessful status means.
pub(super) fn classify(
    status: StatusCode,
    retry_after: Option<Duration>,
    message: Option<String>,
    endpoint: &str,
) -> UemError {
    let endpoint = endpoint.to_owned();
    match (status.as_u16(), retry_after) {
        (401 | 403, _) => UemError::Unauthorised { endpoint },
        (410, _) => UemError::CursorRefused { endpoint },
        (429 | 503, Some(retry_after)) => UemError::Throttled { endpoint, retry_after },
        (status, _) => {
            let mut message = message.unwrap_or_default();
            if message.len() > ERROR_MESSAGE_MAX {
                let mut end = ERROR_MESSAGE_MAX;
                while !message.is_char_boundary(end) {
                    end -= 1;
                }
                message.truncate(end);
            }
            UemError::Status { endpoint, status, message }
        }
    }
}

/// `Retry-After` as delay-seconds or an HTTP date (RFC 9110 10.2.3), from `now`, at most
/// an hour; a date in the past is no wait.
pub(super) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    let wait = if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        Duration::from_secs(value.parse::<u64>().unwrap_or(u64::MAX))
    } else {
        let when = httpdate::parse_http_date(value).ok()?;
        when.duration_since(now).unwrap_or(Duration::ZERO)
    };
    Some(wait.min(MAX_RETRY_AFTER))
}

/// The headers' `Retry-After`, for tests of whole answers.
#[cfg(test)]
fn retry_after_of(headers: &hyper::header::HeaderMap, now: SystemTime) -> Option<Duration> {
    headers.get(RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| parse_retry_after(v, now))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use http_body_util::Full;
    use hyper::header::HeaderMap;

    fn answer(status: u16, headers: &[(&str, &str)], body: &'static str) -> Response<Full<Bytes>> {
        let mut r = Response::builder().status(status);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        r.body(Full::new(Bytes::from_static(body.as_bytes()))).unwrap()
    }

    async fn error_of(status: u16, headers: &[(&str, &str)], body: &'static str) -> UemError {
        read(answer(status, headers, body), 1024, "GET x").await.unwrap_err()
    }

    #[tokio::test]
    async fn statuses_map_to_what_the_gateway_does_about_them() {
        assert!(matches!(error_of(401, &[], "").await, UemError::Unauthorised { .. }));
        assert!(matches!(error_of(403, &[], "").await, UemError::Unauthorised { .. }));
        assert!(matches!(error_of(410, &[], "").await, UemError::CursorRefused { .. }));
        let e = error_of(429, &[("retry-after", "7")], "").await;
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = error_of(503, &[("retry-after", "Fri, 31 Dec 1999 23:59:59 GMT")], "").await;
        assert_eq!(e.retry_after(), Some(Duration::ZERO), "a date in the past");
        let e = error_of(503, &[], r#"{"error":"unavailable","message":"going down"}"#).await;
        assert!(matches!(e, UemError::Status { status: 503, ref message, .. } if message == "going down"), "{e}");
        let e = error_of(500, &[], "<html>oops</html>").await;
        assert!(
            matches!(e, UemError::Status { status: 500, ref message, .. } if message == "(no JSON error body)"),
            "{e}"
        );
    }

    #[tokio::test]
    async fn a_success_body_over_the_cap_is_a_bad_answer() {
        let ok = read(answer(200, &[], "{}"), 2, "GET x").await.unwrap();
        assert_eq!(ok, b"{}");
        let e = read(answer(200, &[], "{}  "), 2, "GET x").await.unwrap_err();
        assert!(matches!(e, UemError::BadAnswer { .. }), "{e}");
    }

    #[test]
    fn retry_after_dates_count_from_now_and_are_bounded() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "Sun, 06 Nov 1994 08:50:07 GMT".parse().unwrap());
        assert_eq!(retry_after_of(&h, now), Some(Duration::from_secs(30)));
        h.insert(RETRY_AFTER, "Sunday, 06-Nov-94 08:49:47 GMT".parse().unwrap());
        assert_eq!(retry_after_of(&h, now), Some(Duration::from_secs(10)), "RFC 850 form");
        assert_eq!(parse_retry_after("99999999999999999999999", now), Some(MAX_RETRY_AFTER));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
