//! What the back end sees of the client's headers, and the client of the back end's.

use crate::config::{HostHeader, ProxyConfig};
use hyper::http::header::{self, HeaderMap, HeaderName, HeaderValue};
pub(crate) use postern_proxy_front::strip_hop_by_hop;

const X_FORWARDED_FOR: HeaderName = HeaderName::from_static("x-forwarded-for");
const X_FORWARDED_PROTO: HeaderName = HeaderName::from_static("x-forwarded-proto");
const X_FORWARDED_HOST: HeaderName = HeaderName::from_static("x-forwarded-host");
/// Forwarding headers a client could forge; the proxy sets its own.
const FORWARDING: [HeaderName; 4] = [header::FORWARDED, X_FORWARDED_FOR, X_FORWARDED_PROTO, X_FORWARDED_HOST];

/// Turns the client's headers into the back end's: hop-by-hop removed, `Host` per the
/// configuration, and `X-Forwarded-For` / `-Proto` / `-Host` set by the proxy alone.
pub(crate) fn for_backend(
    headers: &mut HeaderMap,
    config: &ProxyConfig,
    backend_host: Option<&HeaderValue>,
    peer: Option<&HeaderValue>,
    proto: &'static str,
) {
    strip_hop_by_hop(headers);
    let client_host = headers.get(header::HOST).cloned();
    if headers.keys().any(|name| FORWARDING.contains(name)) {
        for name in &FORWARDING {
            headers.remove(name);
        }
    }
    if config.host_header == HostHeader::Rewrite || client_host.is_none() {
        if let Some(host) = backend_host {
            headers.insert(header::HOST, host.clone());
        }
    }
    if let Some(ip) = peer {
        headers.insert(X_FORWARDED_FOR, ip.clone());
    }
    headers.insert(X_FORWARDED_PROTO, HeaderValue::from_static(proto));
    if let Some(host) = client_host {
        headers.insert(X_FORWARDED_HOST, host);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn hop_by_hop_and_forged_forwarding_headers_are_replaced() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "mail.public.example".parse().unwrap());
        h.insert(header::CONNECTION, "keep-alive, X-Secret".parse().unwrap());
        h.insert("x-secret", "1".parse().unwrap());
        h.insert("keep-alive", "timeout=5".parse().unwrap());
        h.insert("x-forwarded-for", "6.6.6.6".parse().unwrap());
        h.insert("ms-asprotocolversion", "14.1".parse().unwrap());
        let config = ProxyConfig::new("https://exch.internal:8443").unwrap();
        let host = HeaderValue::from_str(&config.backend.host_header()).ok();
        let peer = HeaderValue::from_static("192.0.2.7");
        for_backend(&mut h, &config, host.as_ref(), Some(&peer), "https");
        assert_eq!(h[header::HOST], "exch.internal:8443");
        assert_eq!(h["x-forwarded-host"], "mail.public.example");
        assert_eq!(h["x-forwarded-for"], "192.0.2.7");
        assert_eq!(h["x-forwarded-proto"], "https");
        assert_eq!(h["ms-asprotocolversion"], "14.1");
        for gone in ["connection", "x-secret", "keep-alive"] {
            assert!(!h.contains_key(gone), "{gone}");
        }
    }

    #[test]
    fn the_client_host_is_kept_when_configured() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, "mail.public.example".parse().unwrap());
        let mut config = ProxyConfig::new("http://exch.internal").unwrap();
        config.host_header = HostHeader::Keep;
        let host = HeaderValue::from_str(&config.backend.host_header()).ok();
        for_backend(&mut h, &config, host.as_ref(), Some(&HeaderValue::from_static("::1")), "https");
        assert_eq!(h[header::HOST], "mail.public.example");
    }
}
