//! Where the UEM is: the `https` URL of `uem.connector.url`, split into what the TCP
//! connection, TLS and the HTTP requests each need.

use hyper::Uri;
use rustls::pki_types::ServerName;

/// The UEM's address.
#[derive(Debug, Clone)]
pub(super) struct Origin {
    /// The host to connect to (no brackets around an IPv6 address).
    pub(super) host: String,
    /// The TCP port (443 unless the URL names one).
    pub(super) port: u16,
    /// The `Host` header: the URL's authority.
    pub(super) authority: String,
    /// The name the certificate must be valid for.
    pub(super) server_name: ServerName<'static>,
    /// The URL's path, without a trailing `/`; API paths follow it.
    pub(super) prefix: String,
}

impl Origin {
    /// Parses an `https` URL with a host, an optional port and an optional path, and no
    /// user information, query or fragment.
    pub(super) fn parse(url: &str) -> Result<Self, String> {
        let uri: Uri = url.parse().map_err(|e| format!("not a URL: {e}"))?;
        if uri.scheme_str() != Some("https") {
            return Err("the UEM is reached over https only".into());
        }
        let authority = uri.authority().ok_or("no host")?;
        if authority.as_str().contains('@') {
            return Err("user information in the URL is not supported".into());
        }
        if uri.query().is_some() || url.contains('#') {
            return Err("a query or fragment is not allowed".into());
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_owned();
        if host.is_empty() {
            return Err("no host".into());
        }
        let server_name =
            ServerName::try_from(host.clone()).map_err(|e| format!("`{host}` is not a valid TLS server name: {e}"))?;
        Ok(Self {
            port: authority.port_u16().unwrap_or(443),
            authority: authority.as_str().to_owned(),
            server_name,
            prefix: uri.path().trim_end_matches('/').to_owned(),
            host,
        })
    }

    /// `https://authority/prefix`, for error messages.
    pub(super) fn base(&self) -> String {
        format!("https://{}{}", self.authority, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::Origin;

    #[test]
    fn host_port_and_prefix_are_taken_apart() {
        let o = Origin::parse("https://uem.example.com:8443/mdm/").unwrap();
        assert_eq!((o.host.as_str(), o.port), ("uem.example.com", 8443));
        assert_eq!(o.prefix, "/mdm");
        assert_eq!(o.authority, "uem.example.com:8443");
        let o = Origin::parse("https://[::1]").unwrap();
        assert_eq!((o.host.as_str(), o.port, o.prefix.as_str()), ("::1", 443, ""));
    }

    #[test]
    fn other_schemes_credentials_and_queries_are_refused() {
        for bad in [
            "http://uem.example.com",
            "https://user:pw@uem.example.com",
            "https://uem.example.com/?x=1",
            "uem.example.com",
            "https://",
        ] {
            assert!(Origin::parse(bad).is_err(), "{bad}");
        }
    }
}
