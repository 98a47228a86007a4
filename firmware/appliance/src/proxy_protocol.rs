//! `activesync proxy-protocol-from` and `apptunnel proxy-protocol-from`: which balancers
//! each proxy listener reads PROXY protocol headers from, at start and at each commit.

use crate::error::DaemonError;
use postern_config::Config;
use postern_metrics::SourcePrefixes;
use postern_proxy_front::Balancers;

/// The balancer lists of the running proxy listeners.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListenerBalancers {
    /// The ActiveSync listener's, when it runs.
    pub(crate) activesync: Option<Balancers>,
    /// The AppTunnel listener's, when it runs.
    pub(crate) apptunnel: Option<Balancers>,
}

/// The balancers `list` names (none when it is empty), as a listener follows them.
pub(crate) fn balancers(list: &[String], at: &'static str) -> Result<Balancers, DaemonError> {
    Ok(Balancers::new(prefixes(list).map_err(|reason| DaemonError::Setting { setting: at, reason })?))
}

fn prefixes(list: &[String]) -> Result<Option<SourcePrefixes>, String> {
    if list.is_empty() {
        return Ok(None);
    }
    SourcePrefixes::parse(list).map(Some).map_err(|e| e.to_string())
}

/// Gives each running listener the committed list, when it changed: connections accepted
/// from now on follow it, open ones keep what they were accepted with. A list that does
/// not parse (a commit checks them, so only a bug gets here) leaves the previous one.
pub(crate) fn apply(before: &Config, after: &Config, listeners: &ListenerBalancers) {
    let pairs = [
        (
            "activesync",
            &listeners.activesync,
            &before.activesync.proxy_protocol_from,
            &after.activesync.proxy_protocol_from,
        ),
        (
            "apptunnel",
            &listeners.apptunnel,
            &before.apptunnel.proxy_protocol_from,
            &after.apptunnel.proxy_protocol_from,
        ),
    ];
    for (listener, balancers, old, new) in pairs {
        let Some(balancers) = balancers.as_ref().filter(|_| old != new) else { continue };
        match prefixes(new) {
            Ok(list) => {
                balancers.set(list);
                tracing::info!(listener, balancers = new.len(), "PROXY protocol balancers applied to new connections");
            }
            Err(error) => {
                tracing::error!(listener, %error, "PROXY protocol balancers not applied; the previous ones stay in force");
            }
        }
    }
}
