//! How the proxy reaches the Exchange back end, and how long it waits for it.

use crate::error::ProxyError;
use std::path::PathBuf;
use std::time::Duration;

/// How the back end is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheme {
    /// Plain HTTP (a back end on a trusted segment, or tests).
    Http,
    /// HTTPS, verified against the configured CA.
    Https,
}

/// A parsed back-end URL: `http(s)://host[:port]`, nothing after the authority but an
/// optional `/`. Requests keep their own path (`/Microsoft-Server-ActiveSync...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendUrl {
    /// http or https.
    pub scheme: Scheme,
    /// Host name or IP address (IPv6 without brackets).
    pub host: String,
    /// Port (80 or 443 unless given).
    pub port: u16,
}

impl BackendUrl {
    /// Parses `http://host[:port][/]` or `https://host[:port][/]`.
    pub fn parse(url: &str) -> Result<Self, ProxyError> {
        let bad = |why| ProxyError::BackendUrl { url: url.to_owned(), why };
        let (scheme, rest) = if let Some(rest) = strip_prefix_ci(url, "https://") {
            (Scheme::Https, rest)
        } else if let Some(rest) = strip_prefix_ci(url, "http://") {
            (Scheme::Http, rest)
        } else {
            return Err(bad("the scheme must be http or https"));
        };
        let authority = rest.strip_suffix('/').unwrap_or(rest);
        if authority.contains(['/', '?', '#', '@']) {
            return Err(bad("only scheme, host and port are allowed"));
        }
        let default_port = if scheme == Scheme::Https { 443 } else { 80 };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed '[' in the host"))?;
            match after {
                "" => (host, None),
                p => (host, Some(p.strip_prefix(':').ok_or_else(|| bad("garbage after the IPv6 host"))?)),
            }
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            }
        };
        if host.is_empty() || !host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b)) {
            return Err(bad("the host must be a name or an IP address"));
        }
        let port = match port {
            None => default_port,
            Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0).ok_or_else(|| bad("the port must be 1 to 65535"))?,
        };
        Ok(Self { scheme, host: host.to_owned(), port })
    }

    /// `host:port` as a TCP address to connect to.
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// The `Host` header value for the back end: the port only when it is not the default.
    pub fn host_header(&self) -> String {
        let default = if self.scheme == Scheme::Https { 443 } else { 80 };
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == default { host } else { format!("{host}:{}", self.port) }
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// What the back end gets as `Host`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum HostHeader {
    /// The back end's own name from the URL (the default): Exchange's virtual directories
    /// and host bindings are set up for its internal name. The client's `Host` goes in
    /// `X-Forwarded-Host`.
    #[default]
    Rewrite,
    /// The client's `Host` as sent (a back end that serves the public name itself).
    Keep,
}

/// The proxy's settings.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// The Exchange back end.
    pub backend: BackendUrl,
    /// PEM file of the CA(s) that sign an https back end's certificate.
    pub backend_ca_file: Option<PathBuf>,
    /// What the back end gets as `Host`.
    pub host_header: HostHeader,
    /// How long to wait for a back end's response headers, for every command that does
    /// not hold (default 60 s). Past it: 504.
    pub response_timeout: Duration,
    /// How long a long-polling command (`Ping`, `Sync`) may wait for its response headers
    /// (default 35 min: a Ping heartbeat is at most about 30 min). Past it: 504.
    pub hold_max: Duration,
    /// How long to wait for a TCP (and TLS) connection to the back end (default 10 s).
    pub connect_timeout: Duration,
    /// Idle back-end connections kept for reuse (default 256: more than the busiest
    /// keep-alive load keeps in flight, so none is closed and reopened per request).
    pub pool_idle_max: usize,
    /// Limits on request heads (default: 30 s to send a head, which also bounds the idle
    /// wait between keep-alive requests; 16 KiB per head, else `431`; 100 headers).
    pub http: postern_proxy_front::HttpLimits,
    /// Where requests are counted by outcome (see [`crate::register_request_counter`]);
    /// nowhere when `None` (the default).
    pub requests: Option<postern_metrics::LabelledCounter>,
    /// The oldest TLS version spoken to an `https` back end. Default TLS 1.2.
    pub backend_tls_floor: postern_proxy_front::TlsFloor,
    /// Answers `GET /health` for a load balancer's checks (see
    /// [`postern_metrics::Health`]); `/health` is not found when `None` (the default).
    pub health: Option<postern_metrics::Health>,
    /// Host Checker policies every device must have passed (H4); none when `None` (the
    /// default).
    pub posture: Option<crate::posture::ActiveSyncPosture>,
}

impl ProxyConfig {
    /// Default timeouts for a back end given as a URL (see [`BackendUrl::parse`]).
    pub fn new(backend_url: &str) -> Result<Self, ProxyError> {
        Ok(Self {
            backend: BackendUrl::parse(backend_url)?,
            backend_ca_file: None,
            host_header: HostHeader::default(),
            response_timeout: Duration::from_secs(60),
            hold_max: Duration::from_secs(35 * 60),
            connect_timeout: Duration::from_secs(10),
            pool_idle_max: 256,
            http: postern_proxy_front::HttpLimits {
                header_read_timeout: Duration::from_secs(30),
                ..postern_proxy_front::HttpLimits::default()
            },
            requests: None,
            backend_tls_floor: postern_proxy_front::TlsFloor::default(),
            health: None,
            posture: None,
        })
    }

    pub(crate) fn check(&self) -> Result<(), ProxyError> {
        if self.response_timeout > self.hold_max {
            return Err(ProxyError::Timeouts { response: self.response_timeout, hold: self.hold_max });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn urls_parse_with_default_and_explicit_ports() {
        let u = BackendUrl::parse("https://mail.example.com/").unwrap();
        assert_eq!((u.scheme, u.host.as_str(), u.port), (Scheme::Https, "mail.example.com", 443));
        assert_eq!(u.host_header(), "mail.example.com");
        let u = BackendUrl::parse("HTTP://10.0.0.5:8080").unwrap();
        assert_eq!(
            (u.scheme, u.authority(), u.host_header()),
            (Scheme::Http, "10.0.0.5:8080".into(), "10.0.0.5:8080".into())
        );
        let u = BackendUrl::parse("http://[::1]:81").unwrap();
        assert_eq!((u.host.as_str(), u.authority()), ("::1", "[::1]:81".into()));
    }

    #[test]
    fn bad_urls_are_refused() {
        for url in [
            "ftp://x",
            "https://",
            "https://h:0",
            "https://h:99999",
            "https://h/path",
            "https://u@h",
            "https://h?x",
            "https://[::1",
        ] {
            assert!(BackendUrl::parse(url).is_err(), "{url}");
        }
    }

    #[test]
    fn response_timeout_may_not_exceed_the_hold() {
        let mut c = ProxyConfig::new("http://h").unwrap();
        assert!(c.check().is_ok());
        c.response_timeout = c.hold_max + Duration::from_secs(1);
        assert!(matches!(c.check(), Err(ProxyError::Timeouts { .. })));
    }
}
