//! What a back end sees of a plain HTTP request proxied through AppTunnel, and what the
//! app sees of the answer.

use hyper::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Removes hop-by-hop headers, those the `Connection` header names, and every `Proxy-*`
/// header (credentials and options meant for this proxy alone).
pub(crate) fn strip_hop_by_hop(headers: &mut HeaderMap) {
    postern_proxy_front::strip_hop_by_hop(headers);
    let proxy_only: Vec<HeaderName> =
        headers.keys().filter(|name| name.as_str().starts_with("proxy-")).cloned().collect();
    for name in proxy_only {
        headers.remove(name);
    }
}

/// The headers of a request on its way to the back end: hop-by-hop, `Proxy-*` and the
/// app header removed, `Host` set to the request's target.
pub(crate) fn for_backend(headers: &mut HeaderMap, authority: &str) {
    strip_hop_by_hop(headers);
    headers.remove(crate::proxy::APP_HEADER);
    if let Ok(host) = HeaderValue::from_str(authority) {
        headers.insert(header::HOST, host);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn connection_scoped_and_proxy_headers_never_reach_the_back_end() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "elsewhere.example".parse().unwrap());
        h.insert(header::CONNECTION, "keep-alive, X-Hop".parse().unwrap());
        h.insert("x-hop", "1".parse().unwrap());
        h.insert("keep-alive", "timeout=5".parse().unwrap());
        h.insert("proxy-authorization", "Basic c2VjcmV0".parse().unwrap());
        h.insert("proxy-connection", "keep-alive".parse().unwrap());
        h.insert("proxy-anything", "x".parse().unwrap());
        h.insert("x-postern-app", "com.example.crm".parse().unwrap());
        h.insert("accept", "text/html".parse().unwrap());
        for_backend(&mut h, "wiki.corp.example:8080");
        assert_eq!(h[header::HOST], "wiki.corp.example:8080");
        assert_eq!(h["accept"], "text/html");
        let left: Vec<&str> = h.keys().map(HeaderName::as_str).collect();
        assert_eq!(left.len(), 2, "{left:?}");
    }
}
