//! `[management]`: its rules name the offending setting, old files load with it
//! defaulted, and the management address is never every address.

mod common;

use common::{assert_valid, only_problem};
use postern_config::{ChosenBy, Config, Interface, NoManagementAddress, Problem};
use std::net::{IpAddr, Ipv4Addr};

fn eth(name: &str, addresses: &[&str]) -> Interface {
    Interface { addresses: addresses.iter().map(|a| (*a).to_owned()).collect(), ..Interface::named(name) }
}

fn with(interfaces: Vec<Interface>) -> Config {
    Config { interfaces, ..Config::default() }
}

#[test]
fn defaults_are_ports_22_and_9100_and_no_address() {
    let config = Config::default();
    assert_eq!(config.management.ssh_port, 22);
    assert_eq!(config.management.metrics_port, 9100);
    assert!(config.management.address.is_none() && config.management.interface.is_none());
    assert!(config.management.metrics_allowed.is_empty());
    assert_valid(&config, "the defaults");
}

#[test]
fn an_old_file_without_the_section_loads_with_it_defaulted() {
    let old = "version = 1\n\n[gateway]\nid = \"edge-7\"\n";
    let config = Config::from_toml_str(old).expect("loads");
    assert_eq!(config.management, Config::default().management);
}

#[test]
fn a_full_section_round_trips() {
    let mut config = with(vec![eth("eth0", &["192.0.2.10/24"]), eth("mgmt0", &["10.1.2.3/16"])]);
    config.management.interface = Some("mgmt0".into());
    config.management.ssh_port = 2222;
    config.management.metrics_allowed = vec!["10.0.0.0/8".into(), "2001:db8::/32".into()];
    assert_valid(&config, "a full section");
    let text = config.to_toml_string().expect("serialises");
    assert!(text.contains("[management]"), "{text}");
    assert_eq!(Config::from_toml_str(&text).expect("loads"), config);
}

#[test]
fn an_unknown_key_is_refused() {
    let error = Config::from_toml_str("version = 1\n[management]\nlisten = \"0.0.0.0\"\n").expect_err("refused");
    assert!(error.to_string().contains("listen"), "{error}");
}

#[test]
fn bad_values_are_named_by_their_path() {
    let mut config = Config::default();
    config.management.address = Some("0.0.0.0".into());
    assert!(matches!(only_problem(&config, "management.address"), Problem::BadAddress { .. }));

    let mut config = Config::default();
    config.management.ssh_port = 0;
    assert!(matches!(only_problem(&config, "management.ssh_port"), Problem::BelowMin { .. }));

    let mut config = Config::default();
    config.management.metrics_port = 22;
    assert!(matches!(only_problem(&config, "management.metrics_port"), Problem::Conflicts { .. }));

    let mut config = Config::default();
    config.management.metrics_allowed = vec!["10.0.0.0/8".into(), "10.1.0.0/8".into()];
    assert!(matches!(only_problem(&config, "management.metrics_allowed[1]"), Problem::BadAddress { .. }));

    let mut config = Config::default();
    config.management.metrics_allowed = vec!["10.0.0.1".into()];
    assert!(matches!(only_problem(&config, "management.metrics_allowed[0]"), Problem::BadAddress { .. }));

    let mut config = Config::default();
    config.management.metrics_allowed = vec!["10.0.0.1/32".into(); 65];
    assert!(matches!(only_problem(&config, "management.metrics_allowed"), Problem::AboveMax { .. }));
}

#[test]
fn the_interface_must_be_listed_up_and_addressed_and_not_beside_an_address() {
    let mut config = with(vec![eth("eth0", &["192.0.2.10/24"]), eth("eth1", &[])]);
    config.management.interface = Some("eth9".into());
    assert!(matches!(only_problem(&config, "management.interface"), Problem::Requires { .. }));
    config.management.interface = Some("eth1".into());
    assert!(matches!(only_problem(&config, "management.interface"), Problem::Requires { .. }));
    config.management.interface = Some("eth0".into());
    assert_valid(&config, "a listed interface with an address");
    config.management.address = Some("192.0.2.10".into());
    assert!(matches!(only_problem(&config, "management.interface"), Problem::Conflicts { .. }));
}

#[test]
fn without_a_management_address_the_only_interface_is_used() {
    let config = with(vec![eth("eth0", &["10.0.2.15/24", "2001:db8::15/64"])]);
    let plane = config.management_plane().expect("resolved");
    let ip = IpAddr::V4(Ipv4Addr::new(10, 0, 2, 15));
    assert_eq!(plane.ssh, (ip, 22).into());
    assert_eq!(plane.metrics, (ip, 9100).into());
    assert_eq!(plane.chosen_by, ChosenBy::OnlyInterface("eth0".into()));
    assert_eq!(plane.metrics_allowed, ["10.0.2.0/24"], "the management network by default");
}

#[test]
fn without_a_management_address_nothing_listens_on_every_address() {
    assert_eq!(Config::default().management_plane(), Err(NoManagementAddress::NoInterface));
    let two = with(vec![eth("eth0", &["192.0.2.10/24"]), eth("eth1", &["198.51.100.1/24"])]);
    assert_eq!(two.management_plane(), Err(NoManagementAddress::SeveralInterfaces(2)));
    let bare = with(vec![eth("eth0", &[])]);
    assert_eq!(bare.management_plane(), Err(NoManagementAddress::NoAddressOn("eth0".into())));
}

#[test]
fn a_named_interface_or_address_is_used_and_the_allowed_list_given_wins() {
    let mut config = with(vec![eth("eth0", &["192.0.2.10/24"]), eth("eth1", &["198.51.100.1/24"])]);
    config.management.interface = Some("eth1".into());
    config.management.metrics_port = 9200;
    let plane = config.management_plane().expect("resolved");
    assert_eq!(plane.metrics, "198.51.100.1:9200".parse().expect("an address"));
    assert_eq!(plane.metrics_allowed, ["198.51.100.0/24"]);

    config.management.interface = None;
    config.management.address = Some("203.0.113.5".into());
    config.management.metrics_allowed = vec!["203.0.113.0/28".into()];
    let plane = config.management_plane().expect("resolved");
    assert_eq!(plane.ssh, "203.0.113.5:22".parse().expect("an address"));
    assert_eq!(plane.chosen_by, ChosenBy::Address);
    assert_eq!(plane.metrics_allowed, ["203.0.113.0/28"]);

    config.management.metrics_allowed.clear();
    assert!(
        config.management_plane().expect("resolved").metrics_allowed.is_empty(),
        "no interface has that address: no source allowed"
    );
}
