//! Connecting a wildcard service to the host an app named: resolve it, keep only the
//! addresses [`destinations::check`] allows, and connect to the first that accepts. The
//! checked address is the one connected to, so a name cannot resolve differently between
//! the check and the connect.

use crate::destinations;
use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::net::TcpStream;

/// Why a wildcard destination was not reached.
#[derive(Debug, thiserror::Error)]
pub(crate) enum WildcardError {
    /// Every address the name resolved to is one a wildcard may not reach.
    #[error("{host}:{port} resolves only to addresses a wildcard service may not reach ({})", reasons.join(", "))]
    Forbidden {
        /// The host the app named.
        host: String,
        /// The port.
        port: u16,
        /// Each refused address and why.
        reasons: Vec<String>,
    },
    /// The name did not resolve, the gateway's addresses could not be listed, or no
    /// allowed address accepted in time.
    #[error("{host}:{port}: {source}")]
    Io {
        /// The host the app named.
        host: String,
        /// The port.
        port: u16,
        /// What failed.
        source: io::Error,
    },
}

/// Connects to `host:port` for a wildcard service whose explicit IP-literal entries are
/// `explicit`, within `timeout` (resolution included).
pub(crate) async fn connect(
    host: &str,
    port: u16,
    explicit: &[SocketAddr],
    hosts: &HashMap<String, IpAddr>,
    timeout: Duration,
) -> Result<TcpStream, WildcardError> {
    let io_error = |source| WildcardError::Io { host: host.to_owned(), port, source };
    let attempt = async {
        let candidates = resolve(host, port, hosts).await.map_err(io_error)?;
        let own = own_addresses().map_err(io_error)?;
        let mut reasons = Vec::new();
        let mut last_error = None;
        for addr in candidates {
            if let Err(why) = destinations::check(addr, explicit, &own) {
                tracing::warn!(host, %addr, reason = why.code(), "wildcard destination refused");
                reasons.push(format!("{addr}: {}", why.code()));
                continue;
            }
            match TcpStream::connect(addr).await {
                Ok(stream) => {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                Err(error) => last_error = Some(error),
            }
        }
        Err(match last_error {
            Some(error) => io_error(error),
            None if reasons.is_empty() => {
                io_error(io::Error::new(io::ErrorKind::NotFound, "the name resolves to no address"))
            }
            None => WildcardError::Forbidden { host: host.to_owned(), port, reasons },
        })
    };
    match tokio::time::timeout(timeout, attempt).await {
        Ok(result) => result,
        Err(_) => Err(io_error(io::Error::new(io::ErrorKind::TimedOut, format!("not connected within {timeout:?}")))),
    }
}

/// The addresses of `host`: from `hosts`, an IP literal, or the system resolver.
async fn resolve(host: &str, port: u16, hosts: &HashMap<String, IpAddr>) -> io::Result<Vec<SocketAddr>> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match hosts.get(host).copied().or_else(|| bare.parse::<IpAddr>().ok()) {
        Some(ip) => Ok(vec![SocketAddr::new(ip, port)]),
        None => Ok(tokio::net::lookup_host((bare, port)).await?.collect()),
    }
}

/// The gateway's own interface addresses, read now (they change with DHCP and
/// configuration); an error when they cannot be listed, so the check fails closed.
fn own_addresses() -> io::Result<Vec<IpAddr>> {
    let interfaces = nix::ifaddrs::getifaddrs().map_err(io::Error::from)?;
    Ok(interfaces
        .filter_map(|ifa| ifa.address)
        .filter_map(|a| match (a.as_sockaddr_in(), a.as_sockaddr_in6()) {
            (Some(v4), _) => Some(IpAddr::V4(v4.ip())),
            (_, Some(v6)) => Some(IpAddr::V6(v6.ip())),
            _ => None,
        })
        .collect())
}
