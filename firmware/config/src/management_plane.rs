//! Where the management plane listens, resolved from `[management]` and
//! `[[interfaces]]`.

use crate::config::Config;
use crate::interfaces::Interface;
use crate::net_checks::{self, Cidr};
use std::fmt;
use std::net::{IpAddr, SocketAddr};

/// How the management address was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChosenBy {
    /// `management.address`.
    Address,
    /// `management.interface`, naming this interface.
    Interface(String),
    /// No address was configured and this is the only configured interface.
    OnlyInterface(String),
}

impl fmt::Display for ChosenBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Address => f.write_str("management address"),
            Self::Interface(name) => write!(f, "management interface {name}"),
            Self::OnlyInterface(name) => write!(f, "the only configured interface, {name}"),
        }
    }
}

/// Where SSH and metrics listen, and who may read the metrics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagementPlane {
    /// The address both listeners bind.
    pub address: IpAddr,
    /// The SSH CLI's address and port.
    pub ssh: SocketAddr,
    /// The metrics listener's address and port.
    pub metrics: SocketAddr,
    /// The source prefixes allowed to read metrics (`network/prefix`): the configured
    /// list, or else the management network; empty means no source is allowed.
    pub metrics_allowed: Vec<String>,
    /// How the address was chosen.
    pub chosen_by: ChosenBy,
}

/// Why the configuration gives the management plane no address: SSH and metrics are not
/// started (they never listen on every address).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NoManagementAddress {
    /// No `[[interfaces]]` and no `management.address`.
    #[error("no management address or interface is configured and no interface is configured")]
    NoInterface,
    /// Several interfaces and no `management.address` or `management.interface`.
    #[error(
        "no management address or interface is configured and {0} interfaces are: name one with `management interface NAME`"
    )]
    SeveralInterfaces(usize),
    /// The chosen interface has no usable address (none, shut down, absent or invalid).
    #[error("interface {0} has no usable address")]
    NoAddressOn(String),
    /// `management.address` is not an address.
    #[error("management.address {0:?} is not a usable address")]
    BadAddress(String),
}

impl Config {
    /// Where the management plane listens under this configuration.
    pub fn management_plane(&self) -> Result<ManagementPlane, NoManagementAddress> {
        let settings = &self.management;
        let (address, chosen_by) = match (&settings.address, &settings.interface) {
            (Some(text), _) => {
                let addr = net_checks::address(text).map_err(|_| NoManagementAddress::BadAddress(text.clone()))?;
                (addr, ChosenBy::Address)
            }
            (None, Some(name)) => (first_address(&self.interfaces, name)?.addr, ChosenBy::Interface(name.clone())),
            (None, None) => match self.interfaces.as_slice() {
                [] => return Err(NoManagementAddress::NoInterface),
                [only] => {
                    (first_address(&self.interfaces, &only.name)?.addr, ChosenBy::OnlyInterface(only.name.clone()))
                }
                several => return Err(NoManagementAddress::SeveralInterfaces(several.len())),
            },
        };
        let metrics_allowed = if settings.metrics_allowed.is_empty() {
            network_of(&self.interfaces, address).into_iter().collect()
        } else {
            settings.metrics_allowed.clone()
        };
        Ok(ManagementPlane {
            address,
            ssh: SocketAddr::new(address, settings.ssh_port),
            metrics: SocketAddr::new(address, settings.metrics_port),
            metrics_allowed,
            chosen_by,
        })
    }
}

/// The first valid address of the named interface, if it is listed and up.
fn first_address(all: &[Interface], name: &str) -> Result<Cidr, NoManagementAddress> {
    all.iter()
        .find(|i| i.name == name && !i.shutdown)
        .and_then(|i| i.addresses.first())
        .and_then(|a| net_checks::cidr(a).ok())
        .ok_or_else(|| NoManagementAddress::NoAddressOn(name.to_owned()))
}

/// The network of the interface address equal to `address`, if there is one.
fn network_of(all: &[Interface], address: IpAddr) -> Option<String> {
    all.iter()
        .filter(|i| !i.shutdown)
        .flat_map(|i| &i.addresses)
        .filter_map(|a| net_checks::cidr(a).ok())
        .find(|c| c.addr == address)
        .map(|c| c.network())
}
