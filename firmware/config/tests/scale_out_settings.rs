//! The settings of appliances behind a load balancer: `activesync.proxy_protocol_from`
//! and `apptunnel.proxy_protocol_from` (prefixes only, bounded, named by their dotted
//! path when wrong, absent from a stored file when empty) and
//! `gateway.shutdown_notice_secs` (0 to 300).

mod common;

use common::{assert_valid, only_problem};
use postern_config::{BALANCERS_MAX, Config, Problem};

#[test]
fn balancer_prefixes_are_checked_by_their_path() {
    let mut config = Config::default();
    config.activesync.proxy_protocol_from = vec!["10.0.5.0/28".into(), "2001:db8::/64".into()];
    config.apptunnel.proxy_protocol_from = vec!["192.0.2.7/32".into()];
    assert_valid(&config, "balancer prefixes");
    let text = config.to_toml_string().expect("serialises");
    assert_eq!(Config::from_toml_str(&text).expect("loads"), config);

    config.activesync.proxy_protocol_from = vec!["10.0.5.1/28".into(), "balancer".into()];
    config.apptunnel.proxy_protocol_from = vec!["10.0.0.0/8".into(); BALANCERS_MAX + 1];
    let errors = config.validate().expect_err("refused").to_string();
    for path in
        ["activesync.proxy_protocol_from[0]", "activesync.proxy_protocol_from[1]", "apptunnel.proxy_protocol_from"]
    {
        assert!(errors.contains(path), "{path} not named in: {errors}");
    }
}

#[test]
fn a_prefix_with_host_bits_is_the_one_problem() {
    let mut config = Config::default();
    config.apptunnel.proxy_protocol_from = vec!["192.0.2.7/24".into()];
    let _ = only_problem(&config, "apptunnel.proxy_protocol_from[0]");
}

#[test]
fn the_default_reads_no_header_and_stores_nothing() {
    let config = Config::default();
    assert!(config.activesync.proxy_protocol_from.is_empty() && config.apptunnel.proxy_protocol_from.is_empty());
    assert!(!config.to_toml_string().expect("serialises").contains("proxy_protocol_from"));
}

#[test]
fn the_shutdown_notice_is_0_to_300_seconds() {
    let mut config = Config::default();
    assert_eq!(config.gateway.shutdown_notice_secs, 0);
    config.gateway.shutdown_notice_secs = 300;
    assert_valid(&config, "the longest notice");
    config.gateway.shutdown_notice_secs = 301;
    assert_eq!(only_problem(&config, "gateway.shutdown_notice_secs"), Problem::AboveMax { value: 301, max: 300 });
}
