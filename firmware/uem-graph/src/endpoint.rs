//! An https URL split into what a connection and a request line need.

use hyper::Uri;
use hyper::http::uri::{PathAndQuery, Scheme};

/// A parsed `https://host[:port]/path?query` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// Host name or IP address (without brackets), for TCP and the TLS server name.
    pub(crate) host: String,
    /// TCP port (443 unless given).
    pub(crate) port: u16,
    /// The `Host` header value (`host[:port]` as written).
    pub(crate) authority: String,
    /// The request target, exactly as written in the URL.
    pub(crate) target: PathAndQuery,
}

impl Endpoint {
    /// Parses an absolute https URL; anything else is refused with a reason.
    pub(crate) fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url.parse().map_err(|e| format!("not a URL: {e}"))?;
        if uri.scheme() != Some(&Scheme::HTTPS) {
            return Err("not an https URL".to_owned());
        }
        let authority = uri.authority().ok_or("URL has no host")?;
        if authority.as_str().contains('@') {
            return Err("URL carries user information".to_owned());
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        if host.is_empty() {
            return Err("URL has an empty host".to_owned());
        }
        let target = uri.path_and_query().cloned().unwrap_or_else(|| PathAndQuery::from_static("/"));
        Ok(Self { host, port: authority.port_u16().unwrap_or(443), authority: authority.as_str().to_owned(), target })
    }

    /// Whether `other` is on the same scheme, host and port (a link may only lead there,
    /// so the bearer token never travels elsewhere).
    pub(crate) fn same_origin(&self, other: &Endpoint) -> bool {
        self.host.eq_ignore_ascii_case(&other.host) && self.port == other.port
    }

    /// The URL for logs and errors (without the query, which may be long).
    pub(crate) fn display(&self) -> String {
        format!("https://{}{}", self.authority, self.target.path())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_target_verbatim() {
        let e = Endpoint::parse("https://Graph.example:8443/v1.0/x?$skiptoken=A%2Bb%3D%3D&$top=5").expect("valid URL");
        assert_eq!(e.host, "Graph.example");
        assert_eq!(e.port, 8443);
        assert_eq!(e.target.as_str(), "/v1.0/x?$skiptoken=A%2Bb%3D%3D&$top=5");
        assert!(e.same_origin(&Endpoint::parse("https://graph.EXAMPLE:8443/").expect("valid URL")));
        assert!(!e.same_origin(&Endpoint::parse("https://graph.example/").expect("valid URL")));
    }

    #[test]
    fn refuses_what_is_not_plain_https() {
        for bad in ["http://graph.example/", "graph.example/x", "https://u:p@graph.example/", "https:///x", ""] {
            assert!(Endpoint::parse(bad).is_err(), "{bad}");
        }
        let v6 = Endpoint::parse("https://[::1]:9/").expect("valid URL");
        assert_eq!((v6.host.as_str(), v6.port), ("::1", 9));
    }
}
