//! Offloads, ring sizes and the MTU set through the kernel's interfaces on a veth pair in
//! a network namespace of the test's own, read back with Debian's `ethtool` and `ip`.
//! Needs root.

use postern_rtnetlink::ethtool::{Ethtool, Offload};
use postern_rtnetlink::{Request, Routing};
use std::process::Command;

/// Runs in a new network namespace (this thread's only) with a veth pair `va`/`vb`.
fn in_namespace_with_veth(test: impl FnOnce(u32) + Send + 'static) {
    assert!(nix::unistd::geteuid().is_root(), "these tests make network namespaces: run them as root");
    std::thread::spawn(move || {
        nix::sched::unshare(nix::sched::CloneFlags::CLONE_NEWNET).expect("a network namespace");
        run(&["ip", "link", "add", "va", "type", "veth", "peer", "name", "vb"]);
        test(nix::net::if_::if_nametoindex("va").expect("va"));
    })
    .join()
    .expect("test thread");
}

fn run(args: &[&str]) -> String {
    let out = Command::new(args[0]).args(&args[1..]).output().unwrap_or_else(|e| panic!("{args:?}: {e}"));
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ethtool_says(feature: &str) -> String {
    let shown = run(&["ethtool", "-k", "va"]);
    shown.lines().find_map(|l| l.strip_prefix(&format!("{feature}: "))).unwrap_or_default().to_owned()
}

#[test]
fn offloads_are_set_and_read_back_as_ethtool_sees_them() {
    in_namespace_with_veth(|index| {
        let mut ethtool = Ethtool::open().expect("ethtool family");
        let wanted =
            [(Offload::Gro, true), (Offload::Tso, false), (Offload::TxChecksum, false), (Offload::RxChecksum, false)];
        let refused = ethtool.set_offloads(index, &wanted).expect("set");
        // What ethtool shows is what was asked, except for exactly the offloads reported
        // as refused (veth keeps a fixed TCP segmentation feature on newer kernels).
        for (offload, on, shown_as) in [
            (Offload::Gro, true, "generic-receive-offload"),
            (Offload::Tso, false, "tcp-segmentation-offload"),
            (Offload::TxChecksum, false, "tx-checksumming"),
            (Offload::RxChecksum, false, "rx-checksumming"),
        ] {
            let shown = ethtool_says(shown_as) == "on";
            assert_eq!(shown == on, !refused.contains(&(offload, on)), "{shown_as}: refused {refused:?}");
        }
        assert!(!refused.contains(&(Offload::Gro, true)) && !refused.contains(&(Offload::TxChecksum, false)));
        let active = ethtool.active_features(index).expect("read");
        assert!(Offload::Gro.is_on(&active) && !Offload::Tso.is_on(&active), "{active:?}");
        assert!(Offload::Gso.is_on(&active), "untouched offloads stay as they were: {active:?}");
        assert_eq!(ethtool.set_offloads(index, &[(Offload::Gro, false)]).expect("set"), []);
        assert_eq!(ethtool_says("generic-receive-offload"), "off");
    });
}

#[test]
fn a_driver_without_ring_settings_refuses_them_with_a_reason() {
    in_namespace_with_veth(|index| {
        let mut ethtool = Ethtool::open().expect("ethtool family");
        let error = ethtool.set_rings(index, Some(128), None).expect_err("veth has no ring settings");
        assert_eq!(error.source, nix::errno::Errno::EOPNOTSUPP, "{error}");
        assert!(error.to_string().starts_with("setting the ring sizes: "), "{error}");
    });
}

#[test]
fn the_mtu_is_set_through_the_routing_socket() {
    in_namespace_with_veth(|index| {
        let mut routing = Routing::open().expect("routing socket");
        routing.send(&Request::Mtu { index, mtu: 1400 }, "setting the MTU").expect("MTU");
        assert!(run(&["ip", "link", "show", "va"]).contains("mtu 1400"));
        let error =
            routing.send(&Request::Mtu { index, mtu: 20 }, "setting the MTU").expect_err("below IPv4's minimum");
        assert_eq!(error.source, nix::errno::Errno::EINVAL, "{error}");
    });
}
