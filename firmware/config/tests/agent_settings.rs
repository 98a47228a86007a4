//! `[agent]`: defaults, the stored form, the resources as the control channel carries
//! them, and every rule that refuses a setting by its path.

mod common;

use common::{assert_valid, only_problem};
use postern_config::{AgentResource, AppTunnelService, Config, Problem, ServiceKind};

fn resource(name: &str, service: &str) -> AgentResource {
    AgentResource {
        name: name.into(),
        prefixes: vec!["10.1.0.0/16".into(), "fd00:1::/64".into()],
        ports: vec![443],
        service: service.into(),
        names: vec![],
    }
}

fn with(resources: Vec<AgentResource>) -> Config {
    let mut config = Config::default();
    config.apptunnel.client_ca_file = Some("/data/device-ca.pem".into());
    config.apptunnel.services =
        vec![AppTunnelService { name: "crm".into(), kind: ServiceKind::Http, servers: vec!["10.1.0.5:443".into()] }];
    config.agent.enabled = true;
    config.agent.resources = resources;
    config
}

#[test]
fn defaults_are_off_on_port_4443_without_resources() {
    let config = Config::default();
    assert!(!config.agent.enabled);
    assert_eq!(config.agent.port, 4443);
    assert!(config.agent.resources.is_empty());
    let old = "version = 1\n\n[gateway]\nid = \"edge-7\"\n";
    assert_eq!(Config::from_toml_str(old).expect("loads").agent, config.agent);
}

#[test]
fn resources_round_trip_and_reach_the_wire_form() {
    let config = with(vec![resource("intranet", "crm"), AgentResource { ports: vec![], ..resource("all", "crm") }]);
    assert_valid(&config, "two resources");
    let text = config.to_toml_string().expect("serialises");
    assert!(text.contains("[[agent.resources]]"), "{text}");
    assert_eq!(Config::from_toml_str(&text).expect("loads"), config);
    let wire = config.agent.wire_resources();
    assert_eq!(wire.len(), 2);
    assert_eq!(wire[0].prefixes[1].to_string(), "fd00:1::/64");
    assert_eq!(wire[0].ports, [443]);
    assert!(wire[1].ports.is_empty());
}

#[test]
fn a_resource_naming_an_unknown_service_is_refused() {
    let problem = only_problem(&with(vec![resource("intranet", "erp")]), "agent.resources[0].service");
    assert!(matches!(problem, Problem::Requires { value, .. } if value == "erp"));
}

#[test]
fn bad_prefixes_ports_and_names_are_refused_by_path() {
    let mut bad = resource("intranet", "crm");
    bad.prefixes[0] = "10.1.0.1/16".into();
    let problem = only_problem(&with(vec![bad]), "agent.resources[0].prefixes[0]");
    assert!(matches!(problem, Problem::BadAddress { reason: "host bits set", .. }), "{problem:?}");
    let mut bad = resource("intranet", "crm");
    bad.prefixes[1] = "intranet.corp".into();
    only_problem(&with(vec![bad]), "agent.resources[0].prefixes[1]");
    let bad = AgentResource { prefixes: vec![], ..resource("intranet", "crm") };
    assert_eq!(only_problem(&with(vec![bad]), "agent.resources[0].prefixes"), Problem::Empty);
    let bad = AgentResource { ports: vec![443, 0], ..resource("intranet", "crm") };
    only_problem(&with(vec![bad]), "agent.resources[0].ports[1]");
    let bad = AgentResource { ports: (1..=33).collect(), ..resource("intranet", "crm") };
    only_problem(&with(vec![bad]), "agent.resources[0].ports");
    only_problem(&with(vec![resource("intra net", "crm")]), "agent.resources[0].name");
    let problem =
        only_problem(&with(vec![resource("intranet", "crm"), resource("intranet", "crm")]), "agent.resources[1].name");
    assert!(matches!(problem, Problem::Duplicate { .. }));
}

#[test]
fn dns_names_round_trip_reach_the_wire_and_bad_ones_are_refused_by_path() {
    let named = AgentResource {
        names: vec!["intranet.corp.example".into(), "*.intranet.corp.example".into()],
        ..resource("intranet", "crm")
    };
    let config = with(vec![named.clone()]);
    assert_valid(&config, "named resource");
    let text = config.to_toml_string().expect("serialises");
    assert!(text.contains("names = [\"intranet.corp.example\", \"*.intranet.corp.example\"]"), "{text}");
    assert_eq!(Config::from_toml_str(&text).expect("loads"), config);
    assert_eq!(config.agent.wire_resources()[0].names, named.names);
    for (bad, reason) in [
        ("Intranet.corp.example", "only lower-case letters, digits, '-' and '.' (and a leading '*.') are allowed"),
        ("intranet", "needs at least two labels"),
        ("a..example", "a label is empty or longer than 63 bytes"),
        ("a.*.example", "only lower-case letters, digits, '-' and '.' (and a leading '*.') are allowed"),
    ] {
        let resource = AgentResource { names: vec![bad.into()], ..resource("intranet", "crm") };
        let problem = only_problem(&with(vec![resource]), "agent.resources[0].names[0]");
        assert!(matches!(problem, Problem::BadAddress { reason: r, .. } if r == reason), "{bad}: {problem:?}");
    }
    let many = AgentResource { names: (0..17).map(|i| format!("h{i}.corp.example")).collect(), ..named.clone() };
    only_problem(&with(vec![many]), "agent.resources[0].names");
    let twice = AgentResource { names: vec!["intranet.corp.example".into()], ..resource("other", "crm") };
    let problem = only_problem(&with(vec![named, twice]), "agent.resources[1].names[0]");
    assert!(matches!(problem, Problem::Duplicate { first, .. } if first == "agent.resources[0].names[0]"));
    let all: Vec<AgentResource> = (0..16)
        .map(|r| AgentResource {
            names: (0..16).map(|i| format!("h{i}.r{r}.corp.example")).collect(),
            ..resource(&format!("r{r}"), "crm")
        })
        .collect();
    let problem = only_problem(&with(all), "agent.resources");
    assert!(matches!(problem, Problem::TooLong { len: 256, max: 240 }), "{problem:?}");
}

#[test]
fn enabling_needs_the_device_ca_and_port_0_is_refused() {
    let mut config = with(vec![]);
    config.apptunnel.client_ca_file = None;
    only_problem(&config, "agent.enabled");
    let mut config = with(vec![]);
    config.agent.port = 0;
    only_problem(&config, "agent.port");
}
