//! The shell: a [`Plan`] carried out over the kernel's routing socket, ethtool netlink and
//! the interfaces' settings under `/proc/sys/net`.

use crate::change::{LinkState, Plan, Step};
use crate::error::NetworkError;
use crate::nic_settings;
use nix::errno::Errno;
use postern_dhcp_client::slaac;
use postern_rtnetlink::{REFUSED_DIR, Request, Routing, RoutingError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// How long a link the plan brings up is waited for (its driver may still be registering it).
pub const LINK_WAIT: Duration = Duration::from_secs(5);

/// Where an application looks and writes besides netlink.
#[derive(Debug, Clone)]
pub struct Options {
    /// How long a link the plan brings up is waited for; others are not waited for.
    pub link_wait: Duration,
    /// Where the refused settings are recorded ([`REFUSED_DIR`]).
    pub refused_dir: PathBuf,
    /// The interfaces' IPv6 settings (`/proc/sys/net/ipv6/conf`).
    pub ipv6_conf: PathBuf,
    /// The interfaces' IPv4 settings (`/proc/sys/net/ipv4/conf`).
    pub ipv4_conf: PathBuf,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            link_wait: LINK_WAIT,
            refused_dir: PathBuf::from(REFUSED_DIR),
            ipv6_conf: PathBuf::from(slaac::IPV6_CONF),
            ipv4_conf: PathBuf::from("/proc/sys/net/ipv4/conf"),
        }
    }
}

/// What an application did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Applied {
    /// The interfaces found, with their kernel index.
    pub links: Vec<(String, u32)>,
    /// The interfaces of the plan that do not exist: their changes were skipped.
    pub missing: Vec<String>,
    /// Changes carried out.
    pub done: usize,
    /// Changes the kernel had made already (an address or route gone or there).
    pub already: usize,
    /// Settings a driver refused: (interface, what).
    pub refused: Vec<(String, String)>,
}

impl Applied {
    /// The kernel index of an interface found.
    pub fn index_of(&self, name: &str) -> Option<u32> {
        self.links.iter().find(|(n, _)| n == name).map(|(_, i)| *i)
    }
}

/// Applies `plan` with the appliance's [`Options`].
pub fn apply(plan: &Plan) -> Result<Applied, NetworkError> {
    apply_with(plan, &Options::default())
}

/// Applies `plan` in order. A plan with an invalid value is refused whole; an interface
/// that does not exist is reported and skipped; a step the kernel refuses stops the
/// application (the steps before it stay applied). Applying a plan twice is harmless.
pub fn apply_with(plan: &Plan, options: &Options) -> Result<Applied, NetworkError> {
    if let Some(invalid) = plan.invalid.first() {
        return Err(NetworkError::Invalid {
            interface: invalid.interface.clone(),
            value: invalid.value.clone(),
            expected: invalid.expected,
        });
    }
    let mut applied = Applied::default();
    if plan.is_empty() {
        return Ok(applied);
    }
    let mut routing = Routing::open().map_err(NetworkError::Socket)?;
    for link in &plan.links {
        let wait = if link.brought_up { options.link_wait } else { Duration::ZERO };
        match index_of(&link.name, wait) {
            Ok(index) => applied.links.push((link.name.clone(), index)),
            Err(error) if link.brought_up => {
                tracing::error!(interface = %link.name, %error, "configured interface missing; skipped");
                applied.missing.push(link.name.clone());
            }
            Err(error) => {
                tracing::info!(interface = %link.name, %error, "interface missing; nothing to change");
                applied.missing.push(link.name.clone());
            }
        }
    }
    for change in &plan.changes {
        let Some(index) = applied.index_of(&change.interface) else { continue };
        let done = step(&mut routing, &change.interface, index, &change.step, options, &mut applied)?;
        tracing::debug!(interface = %change.interface, change = %change.step, done, "network change");
        if done { applied.done += 1 } else { applied.already += 1 }
    }
    for link in plan.links.iter().filter(|l| applied.index_of(&l.name).is_some()) {
        let name = link.name.as_str();
        match link.state {
            LinkState::Up => {
                tracing::info!(interface = name, addresses = ?link.addresses, gateway = ?link.gateway, dhcp = link.dhcp, "interface up")
            }
            LinkState::Down => tracing::info!(interface = name, "interface shut down"),
            LinkState::Released => {
                tracing::info!(
                    interface = name,
                    "interface no longer configured: its addresses and default route removed"
                )
            }
        }
    }
    Ok(applied)
}

/// Carries out one step; `false` when the kernel had it already.
fn step(
    routing: &mut Routing,
    name: &str,
    index: u32,
    step: &Step,
    options: &Options,
    applied: &mut Applied,
) -> Result<bool, NetworkError> {
    let refused = |source: RoutingError| NetworkError::Refused { interface: name.to_owned(), source };
    // The kernel's answers that mean the change is there already.
    let tolerated = |result: Result<(), RoutingError>, already: &[Errno]| match result {
        Ok(()) => Ok(true),
        Err(e) if already.contains(&e.source) => Ok(false),
        Err(e) => Err(refused(e)),
    };
    match step {
        Step::Slaac(on) => match slaac::set(&options.ipv6_conf, name, *on) {
            Ok(()) => tracing::info!(interface = name, on, "IPv6 autoconfiguration set"),
            Err(error) => tracing::warn!(interface = name, %error, "IPv6 autoconfiguration not set"),
        },
        Step::Settings(settings) => {
            let refusals = nic_settings::apply(routing, name, index, settings, &options.refused_dir);
            applied.refused.extend(refusals.into_iter().map(|r| (name.to_owned(), r)));
        }
        Step::Up => routing.send(&Request::LinkUp { index }, &format!("bringing up {name}")).map_err(refused)?,
        Step::Down => routing.send(&Request::LinkDown { index }, &format!("setting {name} down")).map_err(refused)?,
        Step::AddAddress(c) => {
            let request = Request::Address { index, address: c.address, prefix: c.prefix };
            return tolerated(routing.send(&request, &format!("adding {c} to {name}")), &[Errno::EEXIST]);
        }
        Step::RemoveAddress(c) => {
            let request = Request::RemoveAddress { index, address: c.address, prefix: c.prefix };
            let gone = [Errno::EADDRNOTAVAIL, Errno::ENOENT, Errno::ESRCH];
            return tolerated(routing.send(&request, &format!("removing {c} from {name}")), &gone);
        }
        Step::DefaultRoute(gateway) => {
            let request = Request::DefaultRoute { index, gateway: *gateway };
            let what = format!("default route via {gateway} on {name}");
            return tolerated(routing.send(&request, &what), &[Errno::EEXIST]);
        }
        Step::RemoveDefaultRoute(gateway) => {
            let request = Request::RemoveDefaultRoute { index, gateway: *gateway };
            let what = format!("removing the default route via {gateway} on {name}");
            return tolerated(routing.send(&request, &what), &[Errno::ESRCH, Errno::ENOENT]);
        }
        Step::PromoteSecondaries => {
            let path = options.ipv4_conf.join(name).join("promote_secondaries");
            std::fs::write(&path, "1").map_err(|source| NetworkError::Setting {
                interface: name.to_owned(),
                step: format!("writing {}", path.display()),
                source,
            })?;
        }
    }
    Ok(true)
}

/// The kernel index of `name`, waiting up to `wait` for it to appear.
fn index_of(name: &str, wait: Duration) -> Result<u32, Errno> {
    let start = Instant::now();
    loop {
        match nix::net::if_::if_nametoindex(name) {
            Ok(index) => return Ok(index),
            Err(e) if start.elapsed() >= wait => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
