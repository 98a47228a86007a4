//! Matching a CONNECT target against the configured services.
//!
//! A service whose `servers` list holds the target `host:port` exactly (host compared
//! without regard to case) wins; the first such service in configuration order is used.
//! Otherwise a wildcard entry `*.domain:port` matches any host strictly under `domain`
//! (any depth, not `domain` itself) on that port; the longest matching domain wins. A
//! wildcard never reaches loopback, link-local or the gateway's own addresses unless the
//! same service names that address and port explicitly (see `destinations`).

use crate::error::AppTunnelError;
use crate::pool::ServerPool;
use postern_config::AppTunnelService;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

/// Where a matched CONNECT goes.
#[derive(Debug, Clone)]
pub struct Route {
    service: Arc<str>,
    pub(crate) target: Target,
}

#[derive(Debug, Clone)]
pub(crate) enum Target {
    /// One of the service's servers, round-robin.
    Pool(Arc<ServerPool>),
    /// The requested host and port (a wildcard service), and the service's explicit
    /// IP-literal entries, which it may reach even where a wildcard may not.
    Direct { host: String, port: u16, explicit: Arc<[SocketAddr]> },
}

impl Route {
    /// The service's name, as the UEM's app policies name it.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Whether the route goes to the requested host (a wildcard service) rather than to
    /// one of the service's own servers.
    pub fn is_wildcard(&self) -> bool {
        matches!(self.target, Target::Direct { .. })
    }
}

/// `(domain, port, service, the service's explicit IP-literal entries)`.
type Wildcard = (String, u16, Arc<str>, Arc<[SocketAddr]>);

/// The configured services, indexed for matching.
#[derive(Debug, Default)]
pub struct ServiceTable {
    exact: HashMap<(String, u16), (Arc<str>, Arc<ServerPool>)>,
    /// Longest domain first.
    wildcards: Vec<Wildcard>,
    pools: Vec<(Arc<str>, Arc<ServerPool>)>,
}

/// Splits `host:port`, lower-casing the host; `None` if it is not that form.
pub(crate) fn split_host_port(entry: &str) -> Option<(String, u16)> {
    let (host, port) = entry.rsplit_once(':')?;
    let port: u16 = port.parse().ok().filter(|p| *p != 0)?;
    if host.is_empty() || host.bytes().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) {
        return None;
    }
    Some((host.to_ascii_lowercase(), port))
}

impl ServiceTable {
    /// Indexes `services`; a failing server is marked down for `down_for`.
    pub fn new(services: &[AppTunnelService], down_for: Duration) -> Result<Self, AppTunnelError> {
        let mut table = Self::default();
        for service in services {
            let name: Arc<str> = Arc::from(service.name.as_str());
            let mut exact = Vec::new();
            let mut domains = Vec::new();
            for server in &service.servers {
                let bad = || AppTunnelError::BadServer { service: service.name.clone(), server: server.clone() };
                let (host, port) = split_host_port(server).ok_or_else(bad)?;
                match host.strip_prefix("*.") {
                    Some(domain) if !domain.is_empty() && !domain.contains('*') => {
                        domains.push((domain.to_owned(), port));
                    }
                    Some(_) => return Err(bad()),
                    None if host.contains('*') => return Err(bad()),
                    None => exact.push((host, port)),
                }
            }
            let explicit: Arc<[SocketAddr]> = exact
                .iter()
                .filter_map(|(host, port)| {
                    host.trim_start_matches('[')
                        .trim_end_matches(']')
                        .parse::<IpAddr>()
                        .ok()
                        .map(|ip| SocketAddr::new(ip, *port))
                })
                .collect();
            for (domain, port) in domains {
                table.wildcards.push((domain, port, name.clone(), explicit.clone()));
            }
            if exact.is_empty() {
                if service.servers.is_empty() {
                    return Err(AppTunnelError::NoServer { service: service.name.clone() });
                }
                continue;
            }
            let pool = Arc::new(ServerPool::new(exact.clone(), down_for));
            for key in exact {
                table.exact.entry(key).or_insert_with(|| (name.clone(), pool.clone()));
            }
            table.pools.push((name, pool));
        }
        table.wildcards.sort_by_key(|(domain, _, _, _)| std::cmp::Reverse(domain.len()));
        Ok(table)
    }

    /// The route for a CONNECT to `host:port`, if a service covers it.
    pub fn resolve(&self, host: &str, port: u16) -> Option<Route> {
        let host = host.to_ascii_lowercase();
        if let Some((service, pool)) = self.exact.get(&(host.clone(), port)) {
            return Some(Route { service: service.clone(), target: Target::Pool(pool.clone()) });
        }
        self.wildcards
            .iter()
            .find(|(domain, p, _, _)| {
                *p == port
                    && host.len() > domain.len() + 1
                    && host.ends_with(domain.as_str())
                    && host.as_bytes().get(host.len() - domain.len() - 1) == Some(&b'.')
            })
            .map(|(_, _, service, explicit)| Route {
                service: service.clone(),
                target: Target::Direct { host, port, explicit: explicit.clone() },
            })
    }

    /// Each service's pools, for health reports.
    pub(crate) fn pools(&self) -> impl Iterator<Item = &(Arc<str>, Arc<ServerPool>)> {
        self.pools.iter()
    }
}
