//! Plans applied over real netlink in network namespaces the tests make (a veth pair
//! between two), observed with `ip -n`. Needs root; skipped otherwise.

#[path = "netns/namespace.rs"]
mod namespace;

use namespace::{Monitor, Namespace, pair, root};
use postern_config::Interface;
use postern_network::{Applied, Options, apply_with, plan};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

fn with(name: &str, addresses: &[&str], gateway: Option<&str>) -> Interface {
    Interface {
        addresses: addresses.iter().map(|a| (*a).to_owned()).collect(),
        gateway: gateway.map(Into::into),
        ..Interface::named(name)
    }
}

/// Applies the plan from `before` to `after` inside `ns`.
fn change(ns: &Namespace, before: &[Interface], after: &[Interface]) -> Applied {
    let records = tempfile::tempdir().expect("dir");
    change_recording(ns, records.path(), before, after)
}

/// As [`change`], recording what drivers refuse in `records`.
fn change_recording(ns: &Namespace, records: &Path, before: &[Interface], after: &[Interface]) -> Applied {
    let options = Options { link_wait: Duration::from_millis(200), refused_dir: records.into(), ..Options::default() };
    let plan = plan(before, after);
    ns.enter(|| apply_with(&plan, &options)).unwrap_or_else(|e| panic!("{plan:#?}: {e}"))
}

/// A setting under `/proc/sys/net`, read by a process in the namespace.
fn sysctl(ns: &Namespace, path: &str) -> String {
    namespace::run(&["ip", "netns", "exec", &ns.name, "cat", &format!("/proc/sys/net/{path}")]).trim().to_owned()
}

fn link(ns: &Namespace, device: &str) -> String {
    ns.ip(&["-o", "link", "show", "dev", device])
}

fn is_up(ns: &Namespace, device: &str) -> bool {
    let shown = link(ns, device);
    let flags = shown.split('<').nth(1).and_then(|f| f.split('>').next()).unwrap_or_default();
    flags.split(',').any(|f| f == "UP")
}

fn default_routes(ns: &Namespace, family: &str) -> Vec<String> {
    ns.ip(&[family, "route", "show", "default"]).lines().map(|l| l.trim().to_owned()).collect()
}

#[test]
fn an_address_is_removed_while_another_on_the_same_link_and_prefix_stays() {
    if !root() {
        return;
    }
    let (a, _b) = pair();
    let first = [with("va", &["10.1.0.1/24", "10.1.0.9/24", "2001:db8:1::1/64"], None)];
    let applied = change(&a, &[], &first);
    assert_eq!(a.addresses("va"), ["10.1.0.1/24", "10.1.0.9/24", "2001:db8:1::1/64"]);
    assert!(is_up(&a, "va") && applied.missing.is_empty());
    assert_eq!(sysctl(&a, "ipv6/conf/va/accept_ra"), "0", "a static interface ignores router advertisements");
    // 10.1.0.1 is the prefix's primary address: without promotion the kernel would take
    // 10.1.0.9 away with it.
    let second = [with("va", &["10.1.0.9/24", "10.1.0.20/24", "2001:db8:1::1/64"], None)];
    change(&a, &first, &second);
    assert_eq!(a.addresses("va"), ["10.1.0.20/24", "10.1.0.9/24", "2001:db8:1::1/64"]);
    let third = [with("va", &["10.1.0.9/24"], None)];
    let applied = change(&a, &second, &third);
    assert_eq!(a.addresses("va"), ["10.1.0.9/24"]);
    assert_eq!((applied.done, applied.already), (3, 0), "promotion and two removals");
    // The same change again: what is gone already counts as done by the kernel.
    let again = change(&a, &second, &third);
    assert_eq!((again.done, again.already), (1, 2), "{again:?}");
    assert_eq!(a.addresses("va"), ["10.1.0.9/24"]);
}

#[test]
fn the_default_route_is_replaced_when_the_gateway_changes_and_removed_with_it() {
    if !root() {
        return;
    }
    let (a, _b) = pair();
    let v4 = |gateway| with("va", &["10.2.0.1/24"], gateway);
    change(&a, &[], &[v4(Some("10.2.0.254"))]);
    assert_eq!(default_routes(&a, "-4"), ["default via 10.2.0.254 dev va proto static"]);
    change(&a, &[v4(Some("10.2.0.254"))], &[v4(Some("10.2.0.253"))]);
    assert_eq!(default_routes(&a, "-4"), ["default via 10.2.0.253 dev va proto static"]);
    change(&a, &[v4(Some("10.2.0.253"))], &[v4(None)]);
    assert!(default_routes(&a, "-4").is_empty());
    assert_eq!(a.addresses("va"), ["10.2.0.1/24"], "the address stays");
    // IPv6, through a link-local gateway and then a global one.
    let v6 = |gateway| with("va", &["2001:db8:2::1/64"], gateway);
    change(&a, &[v4(None)], &[v6(Some("fe80::1"))]);
    assert!(default_routes(&a, "-6").iter().any(|r| r.starts_with("default via fe80::1 dev va proto static")));
    change(&a, &[v6(Some("fe80::1"))], &[v6(Some("2001:db8:2::fe"))]);
    let routes = default_routes(&a, "-6");
    assert!(routes.len() == 1 && routes[0].starts_with("default via 2001:db8:2::fe dev va proto static"), "{routes:?}");
    assert!(default_routes(&a, "-4").is_empty() && a.addresses("va") == ["2001:db8:2::1/64"]);
}

#[test]
fn a_link_is_shut_down_and_brought_back_and_its_mtu_changed() {
    if !root() {
        return;
    }
    let (a, _b) = pair();
    let up = Interface { mtu: Some(1400), ..with("va", &["10.3.0.1/24"], Some("10.3.0.254")) };
    change(&a, &[], std::slice::from_ref(&up));
    assert!(is_up(&a, "va") && link(&a, "va").contains(" mtu 1400 "), "{}", link(&a, "va"));
    let bigger = Interface { mtu: Some(9000), ..up.clone() };
    change(&a, std::slice::from_ref(&up), std::slice::from_ref(&bigger));
    assert!(link(&a, "va").contains(" mtu 9000 ") && a.addresses("va") == ["10.3.0.1/24"], "{}", link(&a, "va"));
    let down = Interface { shutdown: true, ..bigger.clone() };
    change(&a, std::slice::from_ref(&bigger), std::slice::from_ref(&down));
    assert!(!is_up(&a, "va"), "{}", link(&a, "va"));
    assert!(a.addresses("va").is_empty() && default_routes(&a, "-4").is_empty());
    change(&a, std::slice::from_ref(&down), std::slice::from_ref(&bigger));
    assert!(is_up(&a, "va") && link(&a, "va").contains(" mtu 9000 "));
    assert_eq!(a.addresses("va"), ["10.3.0.1/24"]);
    assert_eq!(default_routes(&a, "-4"), ["default via 10.3.0.254 dev va proto static"]);
}

#[test]
fn an_interface_no_longer_listed_loses_its_addresses_and_route_but_stays_up() {
    if !root() {
        return;
    }
    let (a, _b) = pair();
    let listed = [with("va", &["10.4.0.1/24"], Some("10.4.0.254"))];
    change(&a, &[], &listed);
    change(&a, &listed, &[]);
    assert!(a.addresses("va").is_empty() && default_routes(&a, "-4").is_empty());
    assert!(is_up(&a, "va"), "the link is left as it is");
}

#[test]
fn a_missing_interface_is_reported_and_skipped_and_the_others_configured() {
    if !root() {
        return;
    }
    let (a, _b) = pair();
    let applied = change(&a, &[], &[with("nosuch0", &["10.5.1.1/24"], None), with("va", &["10.5.0.1/24"], None)]);
    assert_eq!(applied.missing, ["nosuch0"]);
    assert_eq!(a.addresses("va"), ["10.5.0.1/24"]);
    assert!(applied.index_of("va").is_some() && applied.index_of("nosuch0").is_none());
}

#[test]
fn a_connection_on_an_unchanged_address_survives_addresses_added_and_removed_beside_it() {
    if !root() {
        return;
    }
    let (a, b) = pair();
    b.ip(&["address", "add", "10.6.0.2/24", "dev", "vb"]);
    let listener = b.enter(|| TcpListener::bind("10.6.0.2:0")).expect("listener");
    let server = listener.local_addr().expect("port");
    std::thread::spawn(move || {
        let (mut peer, _) = listener.accept().expect("accept");
        let mut byte = [0u8; 1];
        while peer.read_exact(&mut byte).is_ok() && peer.write_all(&byte).is_ok() {}
    });
    let one = [with("va", &["10.6.0.1/24"], None)];
    change(&a, &[], &one);
    let mut client = a.enter(|| TcpStream::connect_timeout(&server, Duration::from_secs(5))).expect("connect");
    client.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
    assert_eq!(client.local_addr().expect("local").ip().to_string(), "10.6.0.1");
    let mut echo = |n: u8| {
        client.write_all(&[n]).expect("write");
        let mut back = [0u8; 1];
        client.read_exact(&mut back).expect("the connection still answers");
        assert_eq!(back, [n]);
    };
    echo(1);
    let mut monitor = Monitor::start(&a, "va");
    // Another address on the same link and prefix is added (it is a secondary of
    // 10.6.0.1), another prefix too; then both are removed.
    let two = [with("va", &["10.6.0.1/24", "10.6.0.7/24", "10.7.0.1/24"], None)];
    let started = Instant::now();
    change(&a, &one, &two);
    let took = started.elapsed();
    eprintln!("three addresses added in {took:?}");
    assert!(took < Duration::from_secs(1), "a change applies within a second: {took:?}");
    assert_eq!(a.addresses("va"), ["10.6.0.1/24", "10.6.0.7/24", "10.7.0.1/24"]);
    echo(2);
    change(&a, &two, &one);
    assert_eq!(a.addresses("va"), ["10.6.0.1/24"]);
    echo(3);
    let events = monitor.events();
    let gone: Vec<&String> = events.iter().filter(|e| e.starts_with("Deleted")).collect();
    assert!(
        gone.iter().any(|e| e.contains("10.6.0.7/24")) && gone.iter().any(|e| e.contains("10.7.0.1/24")),
        "{events:#?}"
    );
    assert!(!events.iter().any(|e| e.contains("10.6.0.1/24")), "the unchanged address was never touched: {events:#?}");
}

#[test]
fn what_the_driver_refuses_is_recorded_and_a_later_change_keeps_the_refusals_it_does_not_touch() {
    if !root() {
        return;
    }
    let (a, _b) = pair();
    let records = tempfile::tempdir().expect("dir");
    let record = records.path().join("va.refused");
    let rings = Interface { rx_ring: Some(256), mtu: Some(1400), ..Interface::named("va") };
    let applied = change_recording(&a, records.path(), &[], std::slice::from_ref(&rings));
    let text = std::fs::read_to_string(&record).expect("record");
    assert!(text.starts_with("rx-ring/tx-ring: the driver has no ring settings"), "veth has none: {text}");
    assert_eq!(applied.refused.len(), 1, "{applied:?}");
    assert!(is_up(&a, "va") && link(&a, "va").contains(" mtu 1400 "), "the interface still comes up");
    // An MTU change leaves the rings' refusal where it is; an MTU the kernel refuses joins it.
    let tiny = Interface { mtu: Some(60), ..rings.clone() };
    change_recording(&a, records.path(), std::slice::from_ref(&rings), std::slice::from_ref(&tiny));
    let lines: Vec<String> = std::fs::read_to_string(&record).expect("record").lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("rx-ring/tx-ring") && lines[1].starts_with("mtu 60: "), "{lines:?}");
    // No longer listed, then listed afresh without rings: the record starts over and is gone.
    change_recording(&a, records.path(), std::slice::from_ref(&tiny), &[]);
    change_recording(&a, records.path(), &[], &[Interface::named("va")]);
    assert!(!record.exists(), "{:?}", std::fs::read_to_string(&record));
}
