//! `[[host_checker.roles]]` and `realm_policies` (H4): what `commit` refuses, by path,
//! and the rules the engine gets (the policies' shorthand as roles for every user).

mod common;

use common::{assert_valid, only_problem};
use postern_config::{AppTunnelService, Config, HostCheckerPolicy, HostCheckerRole, Problem, ServiceKind};
use postern_host_checker::{Admission, Resource, UserMatch};

fn config() -> Config {
    let mut config = Config::default();
    config.host_checker.enabled = true;
    config.apptunnel.client_ca_file = Some("/data/ca.pem".into());
    config.apptunnel.services.push(AppTunnelService {
        name: "crm".into(),
        kind: ServiceKind::Http,
        servers: vec!["10.0.0.1:80".into()],
    });
    config.host_checker.policies.push(HostCheckerPolicy {
        name: "baseline".into(),
        platforms: vec!["linux:debian".into()],
        min_os_version: Some("12".into()),
        ..HostCheckerPolicy::default()
    });
    config
}

fn role(name: &str, policies: &[&str], services: &[&str], users: &[&str]) -> HostCheckerRole {
    HostCheckerRole {
        name: name.into(),
        policies: policies.iter().map(|p| (*p).into()).collect(),
        services: services.iter().map(|s| (*s).into()).collect(),
        activesync: false,
        users: users.iter().map(|u| (*u).into()).collect(),
    }
}

#[test]
fn two_roles_one_with_a_check_and_one_without_are_valid_and_reach_the_engine() {
    let mut config = config();
    config.host_checker.roles.push(role("staff", &["baseline"], &["crm"], &["*@corp.example"]));
    config
        .host_checker
        .roles
        .push(HostCheckerRole { activesync: true, ..role("kiosk", &[], &["crm"], &["kiosk@corp.example"]) });
    config.host_checker.realm_policies.push("baseline".into());
    assert_valid(&config, "two roles and a realm policy");
    let rules = config.host_checker.access_rules();
    assert_eq!(rules.realm_policies, ["baseline"]);
    assert_eq!(rules.roles[1].users, [UserMatch::User("kiosk@corp.example".into())]);
    let passed = |p: &str| p == "baseline";
    assert_eq!(
        rules.admit(Resource::Service("crm"), Some("kiosk@corp.example"), &passed),
        Admission::Role("kiosk".into())
    );
    let stored = toml::to_string(&config).expect("serialises");
    assert!(
        stored.contains("[[host_checker.roles]]") && stored.contains("realm_policies = [\"baseline\"]"),
        "{stored}"
    );
    let back: Config = toml::from_str(&stored).expect("parses");
    assert_eq!(back.host_checker, config.host_checker);
}

#[test]
fn a_role_names_known_policies_and_services_opens_something_and_maps_a_user() {
    let mut config = config();
    config.host_checker.roles.push(role("staff", &["nope"], &["crm"], &["*"]));
    assert!(matches!(only_problem(&config, "host_checker.roles[0].policies[0]"), Problem::Requires { .. }));
    config.host_checker.roles[0] = role("staff", &[], &["mail"], &["*"]);
    assert!(matches!(only_problem(&config, "host_checker.roles[0].services[0]"), Problem::Requires { .. }));
    config.host_checker.roles[0] = role("staff", &["baseline"], &[], &["*"]);
    let Problem::BadPolicy { reason } = only_problem(&config, "host_checker.roles[0]") else { panic!() };
    assert!(reason.contains("opens nothing"), "{reason}");
    config.host_checker.roles[0] = role("staff", &["baseline"], &["crm"], &[]);
    let Problem::BadPolicy { reason } = only_problem(&config, "host_checker.roles[0]") else { panic!() };
    assert!(reason.contains("maps no user"), "{reason}");
    config.host_checker.roles[0] = role("staff", &["baseline"], &["crm"], &["a*b"]);
    assert!(matches!(only_problem(&config, "host_checker.roles[0].users[0]"), Problem::BadPolicy { .. }));
    config.host_checker.roles[0] = role("Staff!", &["baseline"], &["crm"], &["*"]);
    assert!(matches!(only_problem(&config, "host_checker.roles[0].name"), Problem::BadPolicy { .. }));
    config.host_checker.roles[0] = role("staff", &["baseline"], &["crm"], &["*"]);
    config.host_checker.roles.push(role("staff", &[], &["crm"], &["*"]));
    assert!(matches!(only_problem(&config, "host_checker.roles[1].name"), Problem::Duplicate { .. }));
}

#[test]
fn realm_and_role_policies_need_the_verifier_and_known_names() {
    let mut config = config();
    config.host_checker.realm_policies.push("nope".into());
    assert!(matches!(only_problem(&config, "host_checker.realm_policies[0]"), Problem::Requires { .. }));
    config.host_checker.realm_policies[0] = "baseline".into();
    config.host_checker.enabled = false;
    let Problem::Requires { requirement, .. } = only_problem(&config, "host_checker.realm_policies[0]") else {
        panic!()
    };
    assert!(requirement.contains("host_checker.enabled"), "{requirement}");
    config.host_checker.realm_policies.clear();
    config.host_checker.roles.push(role("open", &[], &["crm"], &["*"]));
    assert_valid(&config, "a role without a check needs no verifier");
}

#[test]
fn the_shorthand_and_the_roles_meet_in_one_engine() {
    let mut config = config();
    config.host_checker.policies[0].required_for_services = vec!["crm".into()];
    config.host_checker.roles.push(role("kiosk", &[], &["crm"], &["kiosk@corp.example"]));
    let rules = config.host_checker.access_rules();
    let failed = |_: &str| false;
    assert_eq!(
        rules.admit(Resource::Service("crm"), Some("alice@corp.example"), &failed),
        Admission::Refused(postern_host_checker::Refusal::Role {
            role: "required-for:crm".into(),
            policy: "baseline".into()
        })
    );
    assert_eq!(
        rules.admit(Resource::Service("crm"), Some("kiosk@corp.example"), &failed),
        Admission::Role("kiosk".into())
    );
}
