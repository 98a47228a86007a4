//! The planner: from two configurations' `[[interfaces]]` to the changes between them,
//! without I/O.

use crate::change::{Change, Cidr, Invalid, Link, LinkState, NicSettings, Plan, Step};
use postern_config::Interface;
use postern_rtnetlink::ethtool::Offload;
use std::net::IpAddr;

/// The changes that turn the interfaces of `before` into those of `after`; from an empty
/// `before`, what the boot does.
///
/// An interface is identified by its name. A listed interface that is not shut down owns
/// exactly its configured addresses and default route; only what differs changes (an
/// address in both is never removed). A shut-down interface is set down and loses what the
/// old configuration gave it. An interface no longer listed loses the addresses and
/// default route the old configuration gave it and is otherwise left as it is (its link
/// stays up or down). What cannot change live is named in [`Plan::not_live`].
pub fn plan(before: &[Interface], after: &[Interface]) -> Plan {
    let mut planner = Planner::default();
    for new in after {
        let old = before.iter().find(|o| o.name == new.name);
        planner.interface(old, Some(new));
    }
    for old in before.iter().filter(|o| !after.iter().any(|n| n.name == o.name)) {
        planner.interface(Some(old), None);
    }
    let (static_before, static_after) = (static_v4_gateway(before), static_v4_gateway(after));
    if static_before != static_after {
        // A DHCP client decides at its start whether its lease's router is the default route.
        for new in after.iter().filter(|n| runs_dhcp(Some(n))) {
            if runs_dhcp(before.iter().find(|o| o.name == new.name)) {
                planner.not_live(&new.name, "ip address dhcp");
            }
        }
    }
    planner.finish()
}

/// Whether a static IPv4 default gateway is configured on an interface that is not shut down.
fn static_v4_gateway(interfaces: &[Interface]) -> bool {
    interfaces
        .iter()
        .any(|i| !i.shutdown && i.gateway.as_deref().is_some_and(|g| g.parse::<std::net::Ipv4Addr>().is_ok()))
}

/// Whether the configuration runs a DHCP client on this interface.
fn runs_dhcp(interface: Option<&Interface>) -> bool {
    interface.is_some_and(|i| i.dhcp && !i.shutdown)
}

/// The phases of a plan, in the order they are applied.
const PHASES: usize = 5;
const BRING: usize = 0;
const ROUTE: usize = 1;
const UNROUTE: usize = 2;
const REMOVE: usize = 3;
const DOWN: usize = 4;

#[derive(Default)]
struct Planner {
    phases: [Vec<Change>; PHASES],
    links: Vec<Link>,
    not_live: Vec<String>,
    invalid: Vec<Invalid>,
}

impl Planner {
    fn push(&mut self, phase: usize, interface: &str, step: Step) {
        self.phases[phase].push(Change { interface: interface.to_owned(), step });
    }

    fn not_live(&mut self, interface: &str, setting: &str) {
        let name = format!("interface {interface} {setting}");
        if !self.not_live.contains(&name) {
            self.not_live.push(name);
        }
    }

    /// One interface, listed before (`old`) and after (`new`); at least one is `Some`.
    fn interface(&mut self, old: Option<&Interface>, new: Option<&Interface>) {
        let Some(name) = new.or(old).map(|i| i.name.clone()) else { return };
        // What the old configuration applied: nothing for a shut-down interface.
        let applied = old.filter(|o| !o.shutdown);
        let wanted = new.filter(|n| !n.shutdown);
        self.reload_only(&name, old, new);
        let (old_addresses, old_gateway) = self.owned(applied);
        let (new_addresses, new_gateway) = self.owned(wanted);
        let before = self.changes();
        match (applied, wanted) {
            (None, Some(new)) => {
                self.push(BRING, &name, Step::Slaac(new.dhcp));
                self.push(BRING, &name, Step::Settings(settings(None, new, &mut Vec::new())));
                self.push(BRING, &name, Step::Up);
            }
            (Some(old), Some(new)) => {
                if old.dhcp != new.dhcp {
                    self.push(BRING, &name, Step::Slaac(new.dhcp));
                }
                let mut reverted = Vec::new();
                let settings = settings(Some(old), new, &mut reverted);
                for setting in reverted {
                    self.not_live(&name, &setting);
                }
                if !settings.is_empty() {
                    self.push(BRING, &name, Step::Settings(settings));
                }
            }
            _ => {}
        }
        for cidr in new_addresses.iter().filter(|c| !old_addresses.contains(c)) {
            self.push(BRING, &name, Step::AddAddress(*cidr));
        }
        if new_gateway != old_gateway {
            if let Some(gateway) = new_gateway {
                self.push(ROUTE, &name, Step::DefaultRoute(gateway));
            }
            if let Some(gateway) = old_gateway {
                self.push(UNROUTE, &name, Step::RemoveDefaultRoute(gateway));
            }
        }
        let removed: Vec<Cidr> = old_addresses.iter().filter(|c| !new_addresses.contains(c)).copied().collect();
        if removed.iter().any(|c| c.address.is_ipv4()) {
            self.push(REMOVE, &name, Step::PromoteSecondaries);
        }
        for cidr in removed {
            self.push(REMOVE, &name, Step::RemoveAddress(cidr));
        }
        if new.is_some_and(|n| n.shutdown) && old.is_none_or(|o| !o.shutdown) {
            self.push(DOWN, &name, Step::Down);
        }
        if self.changes() > before {
            let state = match new {
                Some(n) if n.shutdown => LinkState::Down,
                Some(_) => LinkState::Up,
                None => LinkState::Released,
            };
            self.links.push(Link {
                name: name.clone(),
                state,
                addresses: new.map(|n| n.addresses.clone()).unwrap_or_default(),
                gateway: new.and_then(|n| n.gateway.clone()),
                dhcp: new.is_some_and(|n| n.dhcp),
                brought_up: applied.is_none() && wanted.is_some(),
            });
        }
    }

    fn changes(&self) -> usize {
        self.phases.iter().map(Vec::len).sum()
    }

    /// Settings outside this crate's reach that changed: they wait for a reboot.
    fn reload_only(&mut self, name: &str, old: Option<&Interface>, new: Option<&Interface>) {
        if runs_dhcp(old) != runs_dhcp(new) {
            self.not_live(name, "ip address dhcp");
        }
        let matched = |i: Option<&Interface>| i.map(|i| (i.match_mac.clone(), i.match_pci.clone())).unwrap_or_default();
        if matched(old) != matched(new) {
            self.not_live(name, "match");
        }
        if old.is_none_or(|o| o.steering) != new.is_none_or(|n| n.steering) {
            self.not_live(name, "steering");
        }
    }

    /// The parsed addresses and gateway an applied configuration of an interface owns.
    fn owned(&mut self, interface: Option<&Interface>) -> (Vec<Cidr>, Option<IpAddr>) {
        let Some(interface) = interface else { return (Vec::new(), None) };
        let mut addresses = Vec::new();
        for text in &interface.addresses {
            match Cidr::parse(text) {
                Some(cidr) if !addresses.contains(&cidr) => addresses.push(cidr),
                Some(_) => {}
                None => self.invalid(&interface.name, text, "address/prefix"),
            }
        }
        let gateway = interface.gateway.as_deref().and_then(|text| {
            let parsed = text.parse().ok();
            if parsed.is_none() {
                self.invalid(&interface.name, text, "an address");
            }
            parsed
        });
        (addresses, gateway)
    }

    fn invalid(&mut self, interface: &str, value: &str, expected: &'static str) {
        let invalid = Invalid { interface: interface.to_owned(), value: value.to_owned(), expected };
        if !self.invalid.contains(&invalid) {
            self.invalid.push(invalid);
        }
    }

    fn finish(self) -> Plan {
        Plan {
            changes: self.phases.into_iter().flatten().collect(),
            links: self.links,
            not_live: self.not_live,
            invalid: self.invalid,
        }
    }
}

/// The MTU, rings and offloads of `new` that differ from `old` (all of them when `old` is
/// `None`); a setting `new` no longer has (back to the driver's value, known only at boot)
/// is named in `reverted`.
fn settings(old: Option<&Interface>, new: &Interface, reverted: &mut Vec<String>) -> NicSettings {
    let changed = |old: Option<Option<u32>>, new: Option<u32>, name: &str, reverted: &mut Vec<String>| match (old, new)
    {
        (Some(Some(_)), None) => {
            reverted.push(name.to_owned());
            None
        }
        (Some(old), new) if old == new => None,
        (_, new) => new,
    };
    let mtu = changed(old.map(|o| o.mtu), new.mtu, "mtu", reverted);
    let rx_ring = changed(old.map(|o| o.rx_ring), new.rx_ring, "rx-ring", reverted);
    let tx_ring = changed(old.map(|o| o.tx_ring), new.tx_ring, "tx-ring", reverted);
    let offload_of = |name: &str| Offload::ALL.into_iter().find(|o| o.name() == name);
    let mut offloads = Vec::new();
    for (name, on) in &new.offloads {
        if let Some(offload) = offload_of(name)
            && old.is_none_or(|o| o.offloads.get(name) != Some(on))
        {
            offloads.push((offload, *on));
        }
    }
    for name in old.iter().flat_map(|o| o.offloads.keys()).filter(|n| !new.offloads.contains_key(*n)) {
        reverted.push(format!("offload {name}"));
    }
    NicSettings { mtu, rx_ring, tx_ring, offloads, whole: old.is_none() }
}
