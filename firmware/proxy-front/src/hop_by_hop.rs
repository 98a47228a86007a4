//! Headers that belong to one connection and never cross a proxy.

use hyper::http::header::{self, HeaderMap, HeaderName};

/// Hop-by-hop headers (RFC 9110 7.6.1), plus the pre-standard ones treated the same way.
const HOP_BY_HOP: [HeaderName; 9] = [
    header::CONNECTION,
    HeaderName::from_static("keep-alive"),
    HeaderName::from_static("proxy-connection"),
    header::PROXY_AUTHENTICATE,
    header::PROXY_AUTHORIZATION,
    header::TE,
    header::TRAILER,
    header::TRANSFER_ENCODING,
    header::UPGRADE,
];

/// Removes hop-by-hop headers, including those the `Connection` header names.
pub fn strip_hop_by_hop(headers: &mut HeaderMap) {
    // Most requests carry none: one pass over the names spares a lookup per listed header.
    if !headers.keys().any(|name| HOP_BY_HOP.contains(name)) {
        return;
    }
    let mut connection = headers.get_all(header::CONNECTION).iter();
    match (connection.next(), connection.next()) {
        // The usual case, one `Connection` header: its tokens are removed by name as they
        // are read, without building a list (a clone of the value shares its bytes).
        (Some(only), None) => {
            let only = only.clone();
            for token in only.to_str().unwrap_or_default().split(',') {
                let token = token.trim();
                if !token.is_empty() {
                    headers.remove(token);
                }
            }
        }
        (None, _) => {}
        (Some(_), Some(_)) => {
            let named: Vec<HeaderName> = headers
                .get_all(header::CONNECTION)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|token| HeaderName::from_bytes(token.trim().as_bytes()).ok())
                .collect();
            for name in named {
                headers.remove(name);
            }
        }
    }
    for name in &HOP_BY_HOP {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn listed_and_connection_named_headers_go_the_rest_stays() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONNECTION, "keep-alive, X-Trace".parse().unwrap());
        headers.append(header::CONNECTION, "x-other".parse().unwrap());
        headers.insert("x-trace", "1".parse().unwrap());
        headers.insert("x-other", "2".parse().unwrap());
        headers.insert("keep-alive", "timeout=5".parse().unwrap());
        headers.insert(header::TRANSFER_ENCODING, "chunked".parse().unwrap());
        headers.insert(header::TE, "trailers".parse().unwrap());
        headers.insert(header::CONTENT_TYPE, "application/vnd.ms-sync.wbxml".parse().unwrap());
        strip_hop_by_hop(&mut headers);
        let left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(left, ["content-type"]);
    }

    #[test]
    fn one_connection_header_has_its_named_headers_removed_whatever_their_case() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONNECTION, "Keep-Alive, X-Trace, not a name,".parse().unwrap());
        headers.insert("x-trace", "1".parse().unwrap());
        headers.insert("keep-alive", "timeout=5".parse().unwrap());
        headers.insert(header::CONTENT_TYPE, "application/vnd.ms-sync.wbxml".parse().unwrap());
        strip_hop_by_hop(&mut headers);
        let left: Vec<&str> = headers.keys().map(HeaderName::as_str).collect();
        assert_eq!(left, ["content-type"]);
    }

    #[test]
    fn headers_without_hop_by_hop_ones_are_left_as_they_are() {
        let mut headers = HeaderMap::new();
        headers.insert(header::HOST, "mail.example".parse().unwrap());
        headers.insert("x-trace", "1".parse().unwrap());
        let before = headers.clone();
        strip_hop_by_hop(&mut headers);
        assert_eq!(headers, before);
    }
}
