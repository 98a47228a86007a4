//! The plan from one configuration's interfaces to another's, without I/O.

use postern_config::Interface;
use postern_network::{Cidr, LinkState, NicSettings, Plan, Step, plan};
use postern_rtnetlink::ethtool::Offload;
use std::net::IpAddr;

fn with(name: &str, addresses: &[&str], gateway: Option<&str>) -> Interface {
    Interface {
        addresses: addresses.iter().map(|a| (*a).to_owned()).collect(),
        gateway: gateway.map(Into::into),
        ..Interface::named(name)
    }
}

fn cidr(text: &str) -> Cidr {
    Cidr::parse(text).expect("address/prefix")
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("address")
}

fn steps(plan: &Plan, name: &str) -> Vec<Step> {
    plan.steps_of(name).cloned().collect()
}

fn whole() -> Step {
    Step::Settings(NicSettings { whole: true, ..NicSettings::default() })
}

#[test]
fn from_nothing_the_plan_is_the_boot() {
    let eth0 = Interface { mtu: Some(9000), ..with("eth0", &["192.0.2.10/24", "2001:db8::10/64"], Some("192.0.2.1")) };
    let plan = plan(&[], &[eth0, Interface::named("eth1")]);
    let settings = NicSettings { mtu: Some(9000), whole: true, ..NicSettings::default() };
    assert_eq!(
        steps(&plan, "eth0"),
        [
            Step::Slaac(false),
            Step::Settings(settings),
            Step::Up,
            Step::AddAddress(cidr("192.0.2.10/24")),
            Step::AddAddress(cidr("2001:db8::10/64")),
            Step::DefaultRoute(ip("192.0.2.1")),
        ]
    );
    assert_eq!(steps(&plan, "eth1"), [Step::Slaac(false), whole(), Step::Up], "listed without addresses: up");
    assert!(plan.links.iter().all(|l| l.state == LinkState::Up && l.brought_up));
    assert!(plan.not_live.is_empty() && plan.invalid.is_empty());
}

#[test]
fn the_same_configuration_changes_nothing() {
    let config = [
        with("eth0", &["192.0.2.10/24"], Some("192.0.2.1")),
        Interface { dhcp: true, ..Interface::named("eth1") },
        Interface { shutdown: true, ..with("eth2", &["198.51.100.1/24"], None) },
    ];
    let plan = plan(&config, &config);
    assert!(plan.is_empty() && plan.links.is_empty() && plan.not_live.is_empty(), "{plan:?}");
}

#[test]
fn an_unchanged_address_is_never_removed_and_additions_come_before_removals() {
    let before = [with("eth0", &["192.0.2.10/24", "192.0.2.11/24", "2001:db8::10/64"], None)];
    let after = [with("eth0", &["192.0.2.12/24", "192.0.2.10/24", "2001:DB8::10/64"], None)];
    let plan = plan(&before, &after);
    assert_eq!(
        steps(&plan, "eth0"),
        [Step::AddAddress(cidr("192.0.2.12/24")), Step::PromoteSecondaries, Step::RemoveAddress(cidr("192.0.2.11/24"))],
        "the same IPv6 address written in capitals is the same address"
    );
    assert_eq!(plan.links[0].state, LinkState::Up);
    assert!(!plan.links[0].brought_up, "a link already up is not waited for");
}

#[test]
fn a_new_prefix_length_is_a_new_address() {
    let plan = plan(&[with("eth0", &["192.0.2.10/24"], None)], &[with("eth0", &["192.0.2.10/16"], None)]);
    assert_eq!(
        steps(&plan, "eth0"),
        [Step::AddAddress(cidr("192.0.2.10/16")), Step::PromoteSecondaries, Step::RemoveAddress(cidr("192.0.2.10/24"))]
    );
}

#[test]
fn ipv6_removals_need_no_promotion() {
    let plan = plan(
        &[with("eth0", &["2001:db8::10/64", "2001:db8::11/64"], None)],
        &[with("eth0", &["2001:db8::10/64"], None)],
    );
    assert_eq!(steps(&plan, "eth0"), [Step::RemoveAddress(cidr("2001:db8::11/64"))]);
}

#[test]
fn a_changed_gateway_is_replaced_then_the_old_route_removed() {
    let before = [with("eth0", &["192.0.2.10/24"], Some("192.0.2.1"))];
    let after = [with("eth0", &["192.0.2.10/24"], Some("192.0.2.254"))];
    let plan = plan(&before, &after);
    assert_eq!(
        steps(&plan, "eth0"),
        [Step::DefaultRoute(ip("192.0.2.254")), Step::RemoveDefaultRoute(ip("192.0.2.1"))]
    );
    let removed = postern_network::plan(&before, &[with("eth0", &["192.0.2.10/24"], None)]);
    assert_eq!(steps(&removed, "eth0"), [Step::RemoveDefaultRoute(ip("192.0.2.1"))]);
}

#[test]
fn a_gateway_moving_to_another_interface_is_in_place_before_the_old_one_goes() {
    let before = [with("eth0", &["192.0.2.10/24"], Some("192.0.2.1")), with("eth1", &["198.51.100.10/24"], None)];
    let after = [with("eth0", &["192.0.2.10/24"], None), with("eth1", &["198.51.100.10/24"], Some("198.51.100.1"))];
    let plan = plan(&before, &after);
    let order: Vec<(&str, &Step)> = plan.changes.iter().map(|c| (c.interface.as_str(), &c.step)).collect();
    assert_eq!(
        order,
        [("eth1", &Step::DefaultRoute(ip("198.51.100.1"))), ("eth0", &Step::RemoveDefaultRoute(ip("192.0.2.1")))]
    );
}

#[test]
fn an_address_moving_between_interfaces_is_added_before_it_is_removed() {
    let before = [with("eth0", &["192.0.2.10/24"], None), with("eth1", &[], None)];
    let after = [with("eth0", &[], None), with("eth1", &["192.0.2.10/24"], None)];
    let plan = plan(&before, &after);
    let first_removal = plan.changes.iter().position(|c| matches!(c.step, Step::RemoveAddress(_))).expect("removal");
    let addition = plan.changes.iter().position(|c| matches!(c.step, Step::AddAddress(_))).expect("addition");
    assert!(addition < first_removal, "{plan:?}");
    assert_eq!(plan.changes[addition].interface, "eth1");
}

#[test]
fn shutting_down_removes_what_the_configuration_gave_then_sets_the_link_down() {
    let up = with("eth0", &["192.0.2.10/24", "2001:db8::10/64"], Some("192.0.2.1"));
    let down = Interface { shutdown: true, ..up.clone() };
    let plan = plan(std::slice::from_ref(&up), std::slice::from_ref(&down));
    assert_eq!(
        steps(&plan, "eth0"),
        [
            Step::RemoveDefaultRoute(ip("192.0.2.1")),
            Step::PromoteSecondaries,
            Step::RemoveAddress(cidr("192.0.2.10/24")),
            Step::RemoveAddress(cidr("2001:db8::10/64")),
            Step::Down,
        ]
    );
    assert_eq!(plan.links[0].state, LinkState::Down);
    // Brought back: as a newly configured interface, settings and all.
    let back = postern_network::plan(&[down], &[up]);
    assert_eq!(
        steps(&back, "eth0"),
        [
            Step::Slaac(false),
            whole(),
            Step::Up,
            Step::AddAddress(cidr("192.0.2.10/24")),
            Step::AddAddress(cidr("2001:db8::10/64")),
            Step::DefaultRoute(ip("192.0.2.1")),
        ]
    );
    assert!(back.links[0].brought_up);
}

#[test]
fn a_shut_down_interface_at_boot_is_set_down_and_not_waited_for() {
    let plan = plan(&[], &[Interface { shutdown: true, ..with("eth3", &["192.0.2.10/24"], Some("192.0.2.1")) }]);
    assert_eq!(steps(&plan, "eth3"), [Step::Down]);
    assert!(!plan.links[0].brought_up);
}

#[test]
fn an_interface_no_longer_listed_loses_its_addresses_and_route_but_keeps_its_link() {
    let before = [with("eth0", &["192.0.2.10/24"], Some("192.0.2.1")), with("eth1", &["198.51.100.10/24"], None)];
    let plan = plan(&before, &before[..1]);
    assert_eq!(steps(&plan, "eth1"), [Step::PromoteSecondaries, Step::RemoveAddress(cidr("198.51.100.10/24"))]);
    assert!(steps(&plan, "eth0").is_empty());
    assert_eq!(plan.links.len(), 1);
    assert_eq!(plan.links[0].state, LinkState::Released);
    // One that was shut down had nothing applied: nothing to take back.
    let shut = [Interface { shutdown: true, ..before[1].clone() }];
    assert!(postern_network::plan(&shut, &[]).is_empty());
}

#[test]
fn mtu_rings_and_offloads_change_only_what_differs_and_a_return_to_the_driver_waits() {
    let mut before = Interface { mtu: Some(1500), rx_ring: Some(512), tx_ring: Some(512), ..Interface::named("eth0") };
    before.offloads.insert("gro".into(), true);
    before.offloads.insert("tso".into(), true);
    let mut after = Interface { mtu: Some(9000), rx_ring: Some(1024), tx_ring: None, ..Interface::named("eth0") };
    after.offloads.insert("gro".into(), true);
    after.offloads.insert("gso".into(), false);
    let plan = plan(&[before], &[after]);
    let settings = NicSettings {
        mtu: Some(9000),
        rx_ring: Some(1024),
        offloads: vec![(Offload::Gso, false)],
        ..NicSettings::default()
    };
    assert_eq!(steps(&plan, "eth0"), [Step::Settings(settings)]);
    assert_eq!(plan.not_live, ["interface eth0 tx-ring", "interface eth0 offload tso"]);
    let unset = postern_network::plan(
        &[Interface { mtu: Some(1400), ..Interface::named("eth0") }],
        &[Interface::named("eth0")],
    );
    assert!(unset.is_empty());
    assert_eq!(unset.not_live, ["interface eth0 mtu"]);
}

#[test]
fn dhcp_matches_and_steering_wait_for_a_reboot() {
    let before = [Interface::named("eth0"), Interface { dhcp: true, ..Interface::named("eth1") }];
    let after = [
        Interface { dhcp: true, match_mac: Some("52:54:00:12:34:56".into()), ..Interface::named("eth0") },
        Interface { steering: false, ..Interface::named("eth1") },
    ];
    let plan = plan(&before, &after);
    assert_eq!(
        plan.not_live,
        [
            "interface eth0 ip address dhcp",
            "interface eth0 match",
            "interface eth1 ip address dhcp",
            "interface eth1 steering"
        ]
    );
    // SLAAC follows at once (a static interface holds exactly its addresses).
    assert_eq!(steps(&plan, "eth0"), [Step::Slaac(true)]);
    assert_eq!(steps(&plan, "eth1"), [Step::Slaac(false)]);
    // At boot, init starts the DHCP clients and renames the cards itself: named here too.
    let boot = postern_network::plan(&[], &after);
    assert_eq!(boot.not_live, ["interface eth0 ip address dhcp", "interface eth0 match", "interface eth1 steering"]);
    assert_eq!(boot.steps_of("eth0").next(), Some(&Step::Slaac(true)));
}

#[test]
fn a_static_ipv4_gateway_appearing_changes_what_a_running_dhcp_client_should_do() {
    let before = [Interface { dhcp: true, ..Interface::named("eth0") }, with("eth1", &["192.0.2.10/24"], None)];
    let after = [before[0].clone(), with("eth1", &["192.0.2.10/24"], Some("192.0.2.1"))];
    let plan = plan(&before, &after);
    assert_eq!(plan.not_live, ["interface eth0 ip address dhcp"]);
    assert_eq!(steps(&plan, "eth1"), [Step::DefaultRoute(ip("192.0.2.1"))]);
    let v6 = [before[0].clone(), with("eth1", &["2001:db8::10/64"], Some("2001:db8::1"))];
    assert!(
        postern_network::plan(&before[..1], &v6).not_live.is_empty(),
        "an IPv6 gateway leaves the lease's router alone"
    );
}

#[test]
fn unusable_values_are_reported_not_skipped() {
    let plan = plan(&[], &[with("eth0", &["192.0.2.10", "192.0.2.11/33", "192.0.2.12/24"], Some("gw"))]);
    let values: Vec<&str> = plan.invalid.iter().map(|i| i.value.as_str()).collect();
    assert_eq!(values, ["192.0.2.10", "192.0.2.11/33", "gw"]);
    let error = postern_network::apply(&plan).expect_err("refused whole");
    assert_eq!(error.to_string(), "interface eth0: \"192.0.2.10\" is not address/prefix; nothing applied");
}

#[test]
fn plans_are_ordered_settings_then_routes_then_removals_then_links_down() {
    let before = [with("a", &["192.0.2.10/24"], Some("192.0.2.1")), with("b", &["198.51.100.10/24"], None)];
    let after = [
        Interface { shutdown: true, ..before[0].clone() },
        with("b", &["198.51.100.11/24"], Some("198.51.100.1")),
        Interface::named("c"),
    ];
    let plan = plan(&before, &after);
    let rank = |s: &Step| match s {
        Step::Slaac(_) | Step::Settings(_) | Step::Up | Step::AddAddress(_) => 0,
        Step::DefaultRoute(_) => 1,
        Step::RemoveDefaultRoute(_) => 2,
        Step::PromoteSecondaries | Step::RemoveAddress(_) => 3,
        Step::Down => 4,
    };
    let ranks: Vec<u8> = plan.changes.iter().map(|c| rank(&c.step)).collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{plan:#?}");
    let names: Vec<&str> = plan.links.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, ["a", "b", "c"]);
}
