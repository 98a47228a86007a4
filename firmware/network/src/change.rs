//! The vocabulary of a plan: one change to one interface, and what a plan says about each
//! interface it touches.

use postern_rtnetlink::ethtool::Offload;
use std::fmt;
use std::net::IpAddr;

/// An address with its prefix length, e.g. `192.0.2.10/24`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Cidr {
    /// The address.
    pub address: IpAddr,
    /// Its prefix length.
    pub prefix: u8,
}

impl Cidr {
    /// `192.0.2.10/24` → the address and its prefix; `None` for anything else.
    pub fn parse(text: &str) -> Option<Self> {
        let (address, prefix) = text.split_once('/')?;
        let address: IpAddr = address.parse().ok()?;
        let prefix: u8 = prefix.parse().ok()?;
        let max = if address.is_ipv4() { 32 } else { 128 };
        (prefix <= max).then_some(Self { address, prefix })
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.address, self.prefix)
    }
}

/// MTU, ring sizes and offloads to set on a link; `None` and absent offloads are left as
/// they are.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NicSettings {
    /// The MTU.
    pub mtu: Option<u32>,
    /// Receive ring size.
    pub rx_ring: Option<u32>,
    /// Transmit ring size.
    pub tx_ring: Option<u32>,
    /// Offloads turned on (`true`) or off.
    pub offloads: Vec<(Offload, bool)>,
    /// Whether these are all the interface's settings (it is newly configured): the record
    /// of what its driver refused is then written afresh, rather than only the lines of
    /// the settings changed here.
    pub whole: bool,
}

impl NicSettings {
    /// Whether it sets nothing and rewrites no record.
    pub fn is_empty(&self) -> bool {
        !self.whole
            && self.mtu.is_none()
            && self.rx_ring.is_none()
            && self.tx_ring.is_none()
            && self.offloads.is_empty()
    }
}

/// One change to one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// IPv6 router advertisements and autoconfiguration on (`true`, for DHCP interfaces)
    /// or off.
    Slaac(bool),
    /// MTU, rings and offloads; what the driver refuses is recorded, not fatal.
    Settings(NicSettings),
    /// Set the link up.
    Up,
    /// Add an address (replacing one with the same address and prefix).
    AddAddress(Cidr),
    /// Add or replace the default route of the gateway's family through this link.
    DefaultRoute(IpAddr),
    /// Keep the other IPv4 addresses of a prefix when its primary address is removed
    /// (`promote_secondaries`; the kernel otherwise removes them with it).
    PromoteSecondaries,
    /// Remove the default route through this gateway on this link (gone already is fine).
    RemoveDefaultRoute(IpAddr),
    /// Remove an address (gone already is fine).
    RemoveAddress(Cidr),
    /// Set the link down.
    Down,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Slaac(on) => write!(f, "IPv6 autoconfiguration {}", if *on { "on" } else { "off" }),
            Step::Settings(s) => write!(
                f,
                "settings (mtu {:?}, rings {:?}/{:?}, offloads {:?})",
                s.mtu, s.rx_ring, s.tx_ring, s.offloads
            ),
            Step::Up => f.write_str("link up"),
            Step::AddAddress(c) => write!(f, "adding {c}"),
            Step::DefaultRoute(g) => write!(f, "default route via {g}"),
            Step::PromoteSecondaries => f.write_str("keeping secondary addresses"),
            Step::RemoveDefaultRoute(g) => write!(f, "removing the default route via {g}"),
            Step::RemoveAddress(c) => write!(f, "removing {c}"),
            Step::Down => f.write_str("link down"),
        }
    }
}

/// A step on a named interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The interface's kernel name.
    pub interface: String,
    /// What to do.
    pub step: Step,
}

/// What the new configuration makes of an interface the plan touches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// Listed and not shut down: it is (or stays) up.
    Up,
    /// Listed with `shutdown`.
    Down,
    /// No longer listed: its link is left as it is, without what the old configuration gave it.
    Released,
}

/// An interface the plan touches, with the new configuration's summary of it (for logs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The interface's kernel name.
    pub name: String,
    /// What becomes of it.
    pub state: LinkState,
    /// Its configured addresses.
    pub addresses: Vec<String>,
    /// Its configured default gateway.
    pub gateway: Option<String>,
    /// Whether it is configured for DHCP.
    pub dhcp: bool,
    /// Whether the plan sets it up (a link brought up may still be appearing: its driver
    /// is waited for).
    pub brought_up: bool,
}

/// A value of the configuration the plan cannot use (validation lets none through).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// The interface.
    pub interface: String,
    /// The value.
    pub value: String,
    /// What it should be.
    pub expected: &'static str,
}

/// The changes that turn one configuration's interfaces into another's.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// In the order to apply them: settings, links up and addresses added first, then
    /// default routes, then what goes (old routes, old addresses), then links down; so an
    /// address or route that stays is never absent.
    pub changes: Vec<Change>,
    /// The interfaces touched, in the new configuration's order, then those no longer listed.
    pub links: Vec<Link>,
    /// Changed settings that cannot apply live, as an operator types them (`interface eth0
    /// ip address dhcp`, `interface wan match`): they wait for a reboot. At boot, init
    /// carries out the DHCP and match ones itself.
    pub not_live: Vec<String>,
    /// Values that cannot be used; [`crate::apply`] refuses a plan that has any.
    pub invalid: Vec<Invalid>,
}

impl Plan {
    /// Whether it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    /// The steps for `interface`, in order.
    pub fn steps_of<'a>(&'a self, interface: &'a str) -> impl Iterator<Item = &'a Step> + 'a {
        self.changes.iter().filter(move |c| c.interface == interface).map(|c| &c.step)
    }
}
