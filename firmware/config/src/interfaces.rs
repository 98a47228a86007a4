//! `[[interfaces]]`: the network interfaces the gateway configures.

use crate::net_checks::{self, Cidr};
use crate::validation::{Problem, Report};
use serde::{Deserialize, Serialize};
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

/// Longest network interface name, in bytes (Linux `IFNAMSIZ` less the final NUL).
pub const INTERFACE_NAME_MAX: usize = 15;

/// One network interface (`[[interfaces]]`). An interface not listed is left as the
/// system brought it up; a listed one is owned by the gateway, which sets exactly the
/// addresses given, plus with `dhcp` the address its DHCP lease gives. An interface listed
/// without addresses and without `dhcp` has its link up and no IPv4 address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    /// The kernel's name for it, e.g. `eth0`. Required; 1 to 15 bytes of printable ASCII
    /// other than `/` and `:`, not `.` or `..`; unique across the list.
    pub name: String,
    /// Its addresses, each `address/prefix`, e.g. `192.0.2.10/24` or `2001:db8::10/64`.
    /// Default: none. IPv4 prefixes 1 to 32 and IPv6 prefixes 1 to 128; no unspecified,
    /// multicast or broadcast address, and for IPv4 up to /30 neither the network nor the
    /// broadcast address of the prefix. An address may be used once across all interfaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<String>,
    /// The default route through this interface, e.g. `192.0.2.1`. Default: absent (no
    /// default route here). A plain address inside the network of one of the interface's
    /// addresses of the same family (an IPv6 link-local `fe80::/10` gateway needs none).
    /// At most one IPv4 and one IPv6 default gateway across all interfaces.
    #[serde(default)]
    pub gateway: Option<String>,
    /// Administratively down: the link is kept down and its addresses unused. Default
    /// `false`.
    #[serde(default)]
    pub shutdown: bool,
    /// Get an IPv4 address, default route and DNS servers by DHCP, and IPv6 addresses by
    /// SLAAC (router advertisements), besides the static `addresses`. A static `gateway`
    /// on any interface wins over the lease's router. Default `false`: no DHCP, and router
    /// advertisements are ignored on this interface.
    #[serde(default, skip_serializing_if = "core::ops::Not::not")]
    pub dhcp: bool,
    /// Which network card gets `name`, by its Ethernet address, e.g. `52:54:00:12:34:56`
    /// (any case). init renames the kernel's interface of that card to `name` before
    /// configuring it, so that a reboot or an added card does not renumber it. Default:
    /// absent (the kernel's name is `name`). At most one of `match_mac` and `match_pci`;
    /// unique across the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_mac: Option<String>,
    /// Which network card gets `name`, by its PCI address, e.g. `0000:00:03.0` (domain,
    /// bus, device, function, in hex). As `match_mac`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_pci: Option<String>,
    /// The link's MTU in bytes, 68 to 65535 (the driver may allow less). Default: absent
    /// (the driver's, usually 1500).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
    /// Receive ring size (descriptors), 1 to 65536, within the driver's maximum. Default:
    /// absent (the driver's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rx_ring: Option<u32>,
    /// Transmit ring size (descriptors), as `rx_ring`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tx_ring: Option<u32>,
    /// Offloads turned on or off, by name: `gro`, `gso`, `tso`, `rx-checksum`,
    /// `tx-checksum`. Default: none listed (the driver's settings).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub offloads: BTreeMap<String, bool>,
    /// Whether init spreads the card's receive and transmit work over the cores in
    /// software (RPS/XPS) when it has fewer queues than cores. Default `true`.
    #[serde(default = "steering_default", skip_serializing_if = "is_steering_default")]
    pub steering: bool,
}

fn steering_default() -> bool {
    true
}

fn is_steering_default(steering: &bool) -> bool {
    *steering
}

/// The offloads `offloads` may name.
pub const OFFLOADS: [&str; 5] = ["gro", "gso", "tso", "rx-checksum", "tx-checksum"];

impl Interface {
    /// A listed interface with no address, up, without a default gateway.
    pub fn named(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            addresses: Vec::new(),
            gateway: None,
            shutdown: false,
            dhcp: false,
            match_mac: None,
            match_pci: None,
            mtu: None,
            rx_ring: None,
            tx_ring: None,
            offloads: BTreeMap::new(),
            steering: true,
        }
    }

    /// Checks this interface alone; returns its valid addresses with their indices.
    fn check(&self, at: &str, report: &mut Report) -> Vec<(usize, Cidr)> {
        report.check(at, "name", interface_name(&self.name));
        let mut parsed = Vec::new();
        for (i, address) in self.addresses.iter().enumerate() {
            match net_checks::cidr(address) {
                Ok(cidr) => parsed.push((i, cidr)),
                Err(problem) => report.push(format!("{at}.addresses[{i}]"), problem),
            }
        }
        if let Some(gateway) = &self.gateway {
            report.check(at, "gateway", check_gateway(gateway, &parsed));
        }
        if let Some(mac) = &self.match_mac {
            report.check(at, "match_mac", mac_address(mac));
        }
        for (field, value, min, max) in
            [("mtu", self.mtu, 68, 65_535), ("rx_ring", self.rx_ring, 1, 65_536), ("tx_ring", self.tx_ring, 1, 65_536)]
        {
            match value.map(u64::from) {
                Some(v) if v < min => report.check(at, field, Err(Problem::BelowMin { value: v, min })),
                Some(v) if v > max => report.check(at, field, Err(Problem::AboveMax { value: v, max })),
                _ => {}
            }
        }
        for name in self.offloads.keys().filter(|n| !OFFLOADS.contains(&n.as_str())) {
            report.push(
                format!("{at}.offloads.{name}"),
                Problem::Unsupported { why: "offloads are gro, gso, tso, rx-checksum and tx-checksum" },
            );
        }
        if let Some(pci) = &self.match_pci {
            report.check(at, "match_pci", pci_address(pci));
            if self.match_mac.is_some() {
                let conflict =
                    Problem::Conflicts { with: format!("{at}.match_mac"), reason: "a card is matched one way" };
                report.check(at, "match_pci", Err(conflict));
            }
        }
        parsed
    }
}

/// Six hex bytes separated by `:`.
fn mac_address(text: &str) -> Result<(), Problem> {
    let parts: Vec<&str> = text.split(':').collect();
    if parts.len() == 6 && parts.iter().all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit())) {
        Ok(())
    } else {
        Err(Problem::BadAddress { expected: "MAC address", reason: "six hex bytes separated by ':' are expected" })
    }
}

/// `DDDD:BB:DD.F`: PCI domain, bus, device (below 0x20) and function (0 to 7), in hex.
fn pci_address(text: &str) -> Result<(), Problem> {
    let hex = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit());
    let fields: Vec<&str> = text.split([':', '.']).collect();
    let valid = matches!(fields.as_slice(), [domain, bus, device, function]
        if hex(domain, 4) && hex(bus, 2) && hex(device, 2) && hex(function, 1)
            && u8::from_str_radix(device, 16).is_ok_and(|d| d < 0x20)
            && u8::from_str_radix(function, 16).is_ok_and(|f| f < 8))
        && text.as_bytes().get(4) == Some(&b':')
        && text.as_bytes().get(7) == Some(&b':')
        && text.as_bytes().get(10) == Some(&b'.');
    if valid {
        Ok(())
    } else {
        Err(Problem::BadAddress {
            expected: "PCI address",
            reason: "DDDD:BB:DD.F in hex is expected, e.g. 0000:00:03.0",
        })
    }
}

/// Checks every interface, then what must hold across them.
pub(crate) fn check(interfaces: &[Interface], report: &mut Report) {
    let mut names: HashMap<&str, usize> = HashMap::new();
    let mut addresses: HashMap<IpAddr, String> = HashMap::new();
    let mut default_routes: [Option<usize>; 2] = [None, None];
    let mut matches: HashMap<String, String> = HashMap::new();
    for (i, interface) in interfaces.iter().enumerate() {
        let at = format!("interfaces[{i}]");
        let parsed = interface.check(&at, report);
        let rules = [("match_mac", &interface.match_mac), ("match_pci", &interface.match_pci)];
        for (field, value) in rules.iter().filter_map(|(f, v)| Some((f, v.as_ref()?))) {
            match matches.entry(value.to_ascii_lowercase()) {
                Entry::Occupied(first) => report.push(
                    format!("{at}.{field}"),
                    Problem::Duplicate { value: value.clone(), first: first.get().clone() },
                ),
                Entry::Vacant(slot) => {
                    slot.insert(format!("{at}.{field}"));
                }
            }
        }
        match names.entry(interface.name.as_str()) {
            Entry::Occupied(first) => report.push(
                format!("{at}.name"),
                Problem::Duplicate {
                    value: interface.name.clone(),
                    first: format!("interfaces[{}].name", first.get()),
                },
            ),
            Entry::Vacant(slot) => {
                slot.insert(i);
            }
        }
        for (index, cidr) in parsed {
            let here = format!("{at}.addresses[{index}]");
            match addresses.entry(cidr.addr) {
                Entry::Occupied(first) => {
                    report.push(here, Problem::Duplicate { value: cidr.addr.to_string(), first: first.get().clone() })
                }
                Entry::Vacant(slot) => {
                    slot.insert(here);
                }
            }
        }
        if let Some(Ok(gateway)) = interface.gateway.as_deref().map(net_checks::address) {
            let family = usize::from(gateway.is_ipv6());
            match default_routes[family] {
                Some(first) => report.check(
                    &at,
                    "gateway",
                    Err(Problem::Conflicts {
                        with: format!("interfaces[{first}].gateway"),
                        reason: "only one default gateway per address family is allowed",
                    }),
                ),
                None => default_routes[family] = Some(i),
            }
        }
    }
}

fn check_gateway(gateway: &str, addresses: &[(usize, Cidr)]) -> Result<(), Problem> {
    let addresses = addresses.iter().map(|(_, c)| c);
    let addr = net_checks::address(gateway)?;
    if addresses.clone().any(|c| c.addr == addr) {
        return Err(Problem::BadAddress {
            expected: "gateway address",
            reason: "it is an address of this interface itself",
        });
    }
    if net_checks::is_link_local_v6(addr) || addresses.clone().any(|c| c.contains(addr)) {
        Ok(())
    } else {
        Err(Problem::GatewayOffLink {
            gateway: gateway.to_owned(),
            family: if addr.is_ipv4() { "IPv4" } else { "IPv6" },
        })
    }
}

/// Linux's rules for an interface name (`dev_valid_name`), restricted to printable ASCII.
pub(crate) fn interface_name(name: &str) -> Result<(), Problem> {
    let reason = if name.is_empty() {
        "it is empty"
    } else if name.len() > INTERFACE_NAME_MAX {
        "it is longer than 15 bytes"
    } else if name == "." || name == ".." {
        "`.` and `..` are not allowed"
    } else if !name.bytes().all(|b| b.is_ascii_graphic() && b != b'/' && b != b':') {
        "only printable ASCII other than white space, '/' and ':' is allowed"
    } else {
        return Ok(());
    };
    Err(Problem::BadInterfaceName { reason })
}
