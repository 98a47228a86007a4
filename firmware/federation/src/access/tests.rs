//! Table tests of the conditional access rules.
#![allow(clippy::unwrap_used, reason = "tests")]

use super::*;
use crate::test_support::rule;
use std::collections::HashMap;

struct Table(HashMap<&'static str, DeviceRecord>);

impl DeviceDirectory for Table {
    fn lookup(&self, device_id: &str) -> Option<DeviceRecord> {
        self.0.get(device_id).cloned()
    }
}

fn directory() -> Table {
    Table(HashMap::from([
        ("good-ios", DeviceRecord { platform: "iOS".into(), compliant: true }),
        ("bad-ios", DeviceRecord { platform: "iOS".into(), compliant: false }),
        ("good-win", DeviceRecord { platform: "Windows".into(), compliant: true }),
    ]))
}

fn deny(reason: &str) -> Action {
    Action::Deny { reason: reason.into(), remedy: "call the help desk".into() }
}

fn rules() -> Vec<Rule> {
    vec![
        Rule { postures: vec![Posture::ManagedNonCompliant], ..rule("non-compliant", deny("not compliant")) },
        Rule { apps: vec!["Salesforce1".into()], ..rule("tunnelled-app", Action::Allow) },
        Rule {
            postures: vec![Posture::Unmanaged],
            networks: vec!["10.0.0.0/8".parse().expect("prefix")],
            groups: vec!["contractors".into()],
            ..rule("office-contractors", Action::Warn { message: "unmanaged device".into() })
        },
        Rule { postures: vec![Posture::Unmanaged], ..rule("unmanaged", deny("unmanaged")) },
        Rule { platforms: vec!["ios".into()], ..rule("ios", Action::Allow) },
        Rule { groups: vec!["admins".into()], ..rule("admins-any-platform", Action::Allow) },
    ]
}

fn certificate(id: &str) -> DeviceBinding {
    DeviceBinding::Certificate { device_id: id.into() }
}

#[test]
fn first_matching_rule_decides() {
    let office: IpAddr = "10.1.2.3".parse().expect("ip");
    let home: IpAddr = "198.51.100.9".parse().expect("ip");
    let tunnel = DeviceBinding::AppTunnel { device_id: "bad-ios".into(), app: "Salesforce1".into() };
    let good_tunnel = DeviceBinding::AppTunnel { device_id: "good-win".into(), app: "Salesforce1".into() };
    let cases: Vec<(DeviceBinding, IpAddr, Vec<&str>, Option<&str>)> = vec![
        (certificate("good-ios"), home, vec![], Some("ios")),
        (certificate("bad-ios"), home, vec!["admins"], Some("non-compliant")),
        (tunnel, home, vec![], Some("non-compliant")),
        (good_tunnel, home, vec![], Some("tunnelled-app")),
        (DeviceBinding::Unidentified, office, vec!["contractors"], Some("office-contractors")),
        (DeviceBinding::Unidentified, home, vec!["contractors"], Some("unmanaged")),
        (DeviceBinding::Unidentified, office, vec![], Some("unmanaged")),
        (certificate("unknown-device"), office, vec!["contractors"], Some("office-contractors")),
        (certificate("good-win"), home, vec!["admins"], Some("admins-any-platform")),
        (certificate("good-win"), home, vec!["staff"], None),
    ];
    for (binding, source, groups, expected) in cases {
        let groups = groups.into_iter().map(String::from).collect();
        let context = SignInContext::new(&binding, &directory(), source, groups);
        let decision = evaluate(&rules(), &context);
        assert_eq!(decision.rule.as_deref(), expected, "{binding:?} from {source}");
    }
}

#[test]
fn no_match_denies_with_a_reason_and_a_remedy() {
    let context = SignInContext::new(&certificate("good-win"), &directory(), "192.0.2.1".parse().expect("ip"), vec![]);
    let decision = evaluate(&rules(), &context);
    assert!(
        matches!(decision.action, Action::Deny { ref reason, ref remedy } if !reason.is_empty() && !remedy.is_empty())
    );
    assert_eq!(evaluate(&[], &context).rule, None);
}

#[test]
fn context_carries_posture_platform_and_app() {
    let binding = DeviceBinding::AppTunnel { device_id: "good-ios".into(), app: "Box".into() };
    let context = SignInContext::new(&binding, &directory(), "192.0.2.1".parse().expect("ip"), vec![]);
    assert_eq!(context.posture, Posture::ManagedCompliant);
    assert_eq!(context.platform.as_deref(), Some("iOS"));
    assert_eq!(context.app.as_deref(), Some("Box"));
    let unknown = SignInContext::new(&certificate("nope"), &directory(), "192.0.2.1".parse().expect("ip"), vec![]);
    assert_eq!((unknown.posture, unknown.platform), (Posture::Unmanaged, None));
}
