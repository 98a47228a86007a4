//! `[management]`: where the management plane (the SSH CLI and the metrics listener)
//! listens, apart from the data plane, and who may read the metrics.

use crate::interfaces::{self, Interface};
use crate::net_checks;
use crate::validation::{Problem, Report};
use serde::{Deserialize, Serialize};

/// Most entries of `management.metrics_allowed`.
pub const METRICS_ALLOWED_MAX: usize = 64;

/// `[management]`: the address SSH and metrics bind, their ports, and the source
/// prefixes allowed to read the metrics. SSH and metrics never listen on every address:
/// without `address` or `interface`, they listen on the address of the only configured
/// interface, or not at all (see [`crate::ManagementPlane`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManagementSettings {
    /// The IP address SSH and metrics bind, e.g. `192.0.2.10`. Default: absent. A plain
    /// IPv4 or IPv6 address (no prefix), not unspecified, multicast or broadcast; not
    /// together with `interface`.
    pub address: Option<String>,
    /// The interface whose first configured address SSH and metrics bind, e.g. `eth1`.
    /// Default: absent. Must be listed in `[[interfaces]]` with an address and not shut
    /// down; not together with `address`.
    pub interface: Option<String>,
    /// The SSH CLI's port. Default 22; 1 to 65 535, not `metrics_port`.
    pub ssh_port: u16,
    /// The metrics listener's port. Default 9100; 1 to 65 535, not `ssh_port`.
    pub metrics_port: u16,
    /// The source prefixes allowed to read the metrics, e.g. `["10.0.0.0/8"]`; any other
    /// source is closed at accept. Default: none listed, which means the management
    /// network: the network of the configured interface address the metrics listen on
    /// (no source at all when the listening address is not an interface address). Each
    /// `network/prefix` without host bits (`0.0.0.0/0` allows every IPv4 source); at
    /// most 64.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metrics_allowed: Vec<String>,
}

impl Default for ManagementSettings {
    fn default() -> Self {
        Self { address: None, interface: None, ssh_port: 22, metrics_port: 9100, metrics_allowed: Vec::new() }
    }
}

impl ManagementSettings {
    /// Checks this section against the configured interfaces.
    pub(crate) fn check(&self, at: &str, all: &[Interface], report: &mut Report) {
        if let Some(address) = &self.address {
            report.check(at, "address", net_checks::address(address).map(drop));
        }
        if let Some(name) = &self.interface {
            let result = if self.address.is_some() {
                Err(Problem::Conflicts {
                    with: format!("{at}.address"),
                    reason: "give the management plane an address or an interface, not both",
                })
            } else {
                interface(name, all)
            };
            report.check(at, "interface", result);
        }
        for (field, port) in [("ssh_port", self.ssh_port), ("metrics_port", self.metrics_port)] {
            if port == 0 {
                report.check(at, field, Err(Problem::BelowMin { value: 0, min: 1 }));
            }
        }
        if self.ssh_port == self.metrics_port && self.ssh_port != 0 {
            report.check(
                at,
                "metrics_port",
                Err(Problem::Conflicts {
                    with: format!("{at}.ssh_port"),
                    reason: "SSH and metrics need ports of their own",
                }),
            );
        }
        if self.metrics_allowed.len() > METRICS_ALLOWED_MAX {
            report.check(
                at,
                "metrics_allowed",
                Err(Problem::AboveMax { value: self.metrics_allowed.len() as u64, max: METRICS_ALLOWED_MAX as u64 }),
            );
        }
        for (i, prefix) in self.metrics_allowed.iter().enumerate() {
            if let Err(problem) = net_checks::prefix(prefix) {
                report.push(format!("{at}.metrics_allowed[{i}]"), problem);
            }
        }
    }
}

/// `name` is a valid interface name listed in `all`, up, with an address.
fn interface(name: &str, all: &[Interface]) -> Result<(), Problem> {
    interfaces::interface_name(name)?;
    let because = |why: &str| Problem::Requires {
        value: name.to_owned(),
        requirement: format!("an entry in [[interfaces]] {why}"),
    };
    match all.iter().find(|i| i.name == name) {
        None => Err(because("with this name")),
        Some(i) if i.shutdown => Err(because("that is not shut down")),
        Some(i) if i.addresses.is_empty() => Err(because("with an address")),
        Some(_) => Ok(()),
    }
}
