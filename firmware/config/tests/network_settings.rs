//! `[[interfaces]]` and `[apptunnel]`: every rule refuses a bad value and names the setting.

mod common;

use common::{assert_valid, only_problem};
use postern_config::{AppTunnelService, Config, Interface, Problem, ServiceKind};
use postern_decision::SERVICE_NAME_MAX;

fn with_interfaces(interfaces: Vec<Interface>) -> Config {
    Config { interfaces, ..Config::default() }
}

fn eth(name: &str, addresses: &[&str], gateway: Option<&str>) -> Interface {
    Interface {
        addresses: addresses.iter().map(|a| (*a).to_owned()).collect(),
        gateway: gateway.map(str::to_owned),
        ..Interface::named(name)
    }
}

fn with_service(name: &str, servers: &[&str]) -> Config {
    let mut config = Config::default();
    config.apptunnel.services.push(service(name, servers));
    config
}

fn service(name: &str, servers: &[&str]) -> AppTunnelService {
    AppTunnelService {
        name: name.into(),
        kind: ServiceKind::Http,
        servers: servers.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[test]
fn no_interfaces_by_default_and_a_full_set_is_valid() {
    assert!(Config::default().interfaces.is_empty());
    let config = with_interfaces(vec![
        eth("eth0", &["192.0.2.10/24", "2001:db8::10/64"], Some("192.0.2.1")),
        eth("eth1", &["198.51.100.5/31"], Some("fe80::1")),
        Interface { shutdown: true, ..Interface::named("mgmt.100") },
    ]);
    assert_valid(&config, "two addressed interfaces and one shut down");
}

#[test]
fn interface_names_follow_linux_rules() {
    for bad in ["", "a234567890123456", ".", "..", "eth/0", "eth:0", "eth 0", "étH0"] {
        let problem = only_problem(&with_interfaces(vec![eth(bad, &[], None)]), "interfaces[0].name");
        assert!(matches!(problem, Problem::BadInterfaceName { .. }), "{bad:?}: {problem}");
    }
    for good in ["eth0", "a23456789012345", "br-lan", "vlan.10", "wg_0"] {
        assert_valid(&with_interfaces(vec![eth(good, &[], None)]), good);
    }
}

#[test]
fn interface_names_are_unique() {
    let config = with_interfaces(vec![eth("eth0", &[], None), eth("eth0", &[], None)]);
    assert_eq!(
        only_problem(&config, "interfaces[1].name"),
        Problem::Duplicate { value: "eth0".into(), first: "interfaces[0].name".into() }
    );
}

#[test]
fn addresses_need_a_usable_address_and_prefix() {
    let bad = [
        "192.0.2.10",
        "192.0.2.10/",
        "192.0.2.10/0",
        "192.0.2.10/33",
        "192.0.2.10/+8",
        "192.0.2.10/24/1",
        "192.0.2.256/24",
        "192.0.002.10/24",
        "host.example/24",
        "0.0.0.0/8",
        "224.0.0.5/24",
        "255.255.255.255/32",
        "192.0.2.0/24",
        "192.0.2.255/24",
        "2001:db8::10/129",
        "2001:db8::10/0",
        "::/64",
        "ff02::1/64",
        "[2001:db8::1]/64",
    ];
    for address in bad {
        let config = with_interfaces(vec![eth("eth0", &["192.0.2.10/24", address], None)]);
        let problem = only_problem(&config, "interfaces[0].addresses[1]");
        assert!(matches!(problem, Problem::BadAddress { .. }), "{address}: {problem}");
    }
    for good in ["192.0.2.1/24", "10.0.0.0/31", "10.0.0.1/32", "2001:db8::/64", "::1/128", "fe80::2/64"] {
        assert_valid(&with_interfaces(vec![eth("eth0", &[good], None)]), good);
    }
}

#[test]
fn an_address_is_used_once_across_interfaces() {
    let config = with_interfaces(vec![
        eth("eth0", &["192.0.2.10/24"], None),
        eth("eth1", &["198.51.100.1/24", "192.0.2.10/25"], None),
    ]);
    assert_eq!(
        only_problem(&config, "interfaces[1].addresses[1]"),
        Problem::Duplicate { value: "192.0.2.10".into(), first: "interfaces[0].addresses[0]".into() }
    );
}

#[test]
fn a_gateway_is_a_plain_address_on_the_interface_network() {
    let at = "interfaces[0].gateway";
    let addresses = ["192.0.2.10/24", "2001:db8::10/64"];
    let gateway = |g: &str| with_interfaces(vec![eth("eth0", &addresses, Some(g))]);
    for bad in ["192.0.2.1/24", "gw.example", "0.0.0.0", "224.0.0.1", "192.0.2.10"] {
        assert!(matches!(only_problem(&gateway(bad), at), Problem::BadAddress { .. }), "{bad}");
    }
    assert_eq!(
        only_problem(&gateway("198.51.100.1"), at),
        Problem::GatewayOffLink { gateway: "198.51.100.1".into(), family: "IPv4" }
    );
    assert!(matches!(only_problem(&gateway("2001:db9::1"), at), Problem::GatewayOffLink { family: "IPv6", .. }));
    let no_v6 = with_interfaces(vec![eth("eth0", &["192.0.2.10/24"], Some("2001:db8::1"))]);
    assert!(matches!(only_problem(&no_v6, at), Problem::GatewayOffLink { .. }));
    for good in ["192.0.2.254", "2001:db8::1", "fe80::1"] {
        assert_valid(&gateway(good), good);
    }
}

#[test]
fn one_default_gateway_per_address_family() {
    let config = with_interfaces(vec![
        eth("eth0", &["192.0.2.10/24"], Some("192.0.2.1")),
        eth("eth1", &["198.51.100.10/24"], Some("198.51.100.1")),
    ]);
    assert!(matches!(
        only_problem(&config, "interfaces[1].gateway"),
        Problem::Conflicts { with, .. } if with == "interfaces[0].gateway"
    ));
    let mixed = with_interfaces(vec![
        eth("eth0", &["192.0.2.10/24"], Some("192.0.2.1")),
        eth("eth1", &["2001:db8::10/64"], Some("2001:db8::1")),
    ]);
    assert_valid(&mixed, "one IPv4 and one IPv6 default gateway");
}

#[test]
fn apptunnel_idle_timeout_is_bounded() {
    let mut config = Config::default();
    assert_eq!(config.apptunnel.idle_timeout_secs, 300);
    config.apptunnel.idle_timeout_secs = 9;
    assert_eq!(only_problem(&config, "apptunnel.idle_timeout_secs"), Problem::BelowMin { value: 9, min: 10 });
    config.apptunnel.idle_timeout_secs = 86_401;
    assert_eq!(only_problem(&config, "apptunnel.idle_timeout_secs"), Problem::AboveMax { value: 86_401, max: 86_400 });
    for good in [10, 86_400] {
        config.apptunnel.idle_timeout_secs = good;
        assert_valid(&config, "a bound");
    }
}

#[test]
fn service_names_are_short_plain_and_unique() {
    let at = "apptunnel.services[0].name";
    assert_eq!(only_problem(&with_service("", &["a.example:80"]), at), Problem::Empty);
    assert!(matches!(
        only_problem(&with_service(&"s".repeat(SERVICE_NAME_MAX + 1), &["a.example:80"]), at),
        Problem::TooLong { len, max: SERVICE_NAME_MAX } if len == SERVICE_NAME_MAX + 1
    ));
    assert!(matches!(
        only_problem(&with_service("crm app", &["a.example:80"]), at),
        Problem::BadChar { found: ' ', at: 3, .. }
    ));
    assert_valid(&with_service(&"s".repeat(SERVICE_NAME_MAX), &["a.example:80"]), "the decision core's bound");
    assert_valid(&with_service("CRM_v2.intranet-1", &["a.example:80"]), "all classes");

    let mut config = with_service("crm", &["a.example:80"]);
    config.apptunnel.services.push(service("crm", &["b.example:80"]));
    assert_eq!(
        only_problem(&config, "apptunnel.services[1].name"),
        Problem::Duplicate { value: "crm".into(), first: "apptunnel.services[0].name".into() }
    );
}

#[test]
fn a_service_needs_servers() {
    assert_eq!(only_problem(&with_service("crm", &[]), "apptunnel.services[0].servers"), Problem::Empty);
}

#[test]
fn servers_are_host_and_port() {
    let bad = [
        "crm.example",
        "crm.example:",
        "crm.example:0",
        "crm.example:65536",
        "crm.example:+80",
        "crm.example:http",
        ":443",
        "crm..example:443",
        ".crm.example:443",
        "crm.example.:443",
        "-crm.example:443",
        "crm_app.example:443",
        "10.0.0.256:443",
        "1.2.3:443",
        "2001:db8::1:443",
        "[2001:db8::1:443",
        "[crm.example]:443",
        "*:443",
        "*.example:443",
        "*.*.corp.example:443",
        "crm*.corp.example:443",
        "*.10.0.0.1:443",
    ];
    for server in bad {
        let config = with_service("crm", &["crm.example:443", server]);
        let problem = only_problem(&config, "apptunnel.services[0].servers[1]");
        assert!(matches!(problem, Problem::BadServer { .. }), "{server}: {problem}");
    }
    let long_label = format!("{}.example:443", "l".repeat(64));
    only_problem(&with_service("crm", &[&long_label]), "apptunnel.services[0].servers[0]");
    let long_name = format!("{}example:443", "abcdefghi.".repeat(25));
    only_problem(&with_service("crm", &[&long_name]), "apptunnel.services[0].servers[0]");
    let good = [
        "crm.example:443",
        "CRM:8080",
        "10.0.0.1:1",
        "[2001:db8::1]:65535",
        "*.corp.example:443",
        "xn--bcher-kva.example:443",
    ];
    assert_valid(&with_service("crm", &good), "every form of server");
}

#[test]
fn a_server_is_listed_once_per_service() {
    let config = with_service("crm", &["a.example:443", "b.example:443", "a.example:443"]);
    assert_eq!(
        only_problem(&config, "apptunnel.services[0].servers[2]"),
        Problem::Duplicate { value: "a.example:443".into(), first: "apptunnel.services[0].servers[0]".into() }
    );
    let mut tcp = with_service("crm", &["a.example:443"]);
    tcp.apptunnel.services.push(AppTunnelService { kind: ServiceKind::Tcp, ..service("db", &["a.example:443"]) });
    assert_valid(&tcp, "the same server in two services");
}

#[test]
fn interfaces_are_matched_by_a_valid_unique_mac_or_pci_address_one_way_each() {
    let by_mac = |name: &str, mac: &str| Interface { match_mac: Some(mac.into()), ..Interface::named(name) };
    let by_pci = |name: &str, pci: &str| Interface { match_pci: Some(pci.into()), ..Interface::named(name) };
    assert_valid(
        &with_interfaces(vec![
            by_mac("wan", "52:54:00:12:34:56"),
            by_pci("lan", "0000:00:09.0"),
            by_mac("x", "AA:bb:CC:00:11:22"),
        ]),
        "a MAC and a PCI match",
    );
    for bad in ["52:54:00:12:34", "52-54-00-12-34-56", "52:54:00:12:34:5g", "525400123456"] {
        let problem = only_problem(&with_interfaces(vec![by_mac("wan", bad)]), "interfaces[0].match_mac");
        assert!(matches!(problem, Problem::BadAddress { expected: "MAC address", .. }), "{bad:?}: {problem}");
    }
    for bad in ["00:09.0", "0000:00:09", "0000:00:20.0", "0000:00:09.8", "0000.00:09:0", "0000:00:9.0"] {
        let problem = only_problem(&with_interfaces(vec![by_pci("lan", bad)]), "interfaces[0].match_pci");
        assert!(matches!(problem, Problem::BadAddress { expected: "PCI address", .. }), "{bad:?}: {problem}");
    }
    let duplicate = with_interfaces(vec![by_mac("wan", "52:54:00:12:34:56"), by_mac("lan", "52:54:00:12:34:56")]);
    assert_eq!(
        only_problem(&duplicate, "interfaces[1].match_mac"),
        Problem::Duplicate { value: "52:54:00:12:34:56".into(), first: "interfaces[0].match_mac".into() }
    );
    let both = Interface { match_pci: Some("0000:00:09.0".into()), ..by_mac("wan", "52:54:00:12:34:56") };
    assert!(matches!(only_problem(&with_interfaces(vec![both]), "interfaces[0].match_pci"), Problem::Conflicts { .. }));
}

#[test]
fn mtu_rings_and_offloads_are_bounded_and_named() {
    let tuned = Interface {
        mtu: Some(9000),
        rx_ring: Some(4096),
        tx_ring: Some(1),
        offloads: [("gro".to_owned(), false), ("tx-checksum".to_owned(), true)].into(),
        ..Interface::named("eth0")
    };
    assert_valid(&with_interfaces(vec![tuned.clone()]), "tuned");
    let small = Interface { mtu: Some(67), ..tuned.clone() };
    assert_eq!(
        only_problem(&with_interfaces(vec![small]), "interfaces[0].mtu"),
        Problem::BelowMin { value: 67, min: 68 }
    );
    let big = Interface { rx_ring: Some(65_537), ..tuned.clone() };
    assert_eq!(
        only_problem(&with_interfaces(vec![big]), "interfaces[0].rx_ring"),
        Problem::AboveMax { value: 65_537, max: 65_536 }
    );
    let zero = Interface { tx_ring: Some(0), ..tuned.clone() };
    assert!(matches!(only_problem(&with_interfaces(vec![zero]), "interfaces[0].tx_ring"), Problem::BelowMin { .. }));
    let unknown = Interface { offloads: [("lro".to_owned(), false)].into(), ..tuned };
    assert!(matches!(
        only_problem(&with_interfaces(vec![unknown]), "interfaces[0].offloads.lro"),
        Problem::Unsupported { .. }
    ));
}
