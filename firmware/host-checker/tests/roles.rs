//! Table tests of realms and roles (H4): each case yields the chosen role or the refusal
//! with its reason.

use postern_host_checker::{AccessRules, Admission, Refusal, Resource, Role, UserMatch};

fn role(name: &str, policies: &[&str], services: &[&str], activesync: bool, users: &[&str]) -> Role {
    Role {
        name: name.into(),
        policies: policies.iter().map(|p| (*p).into()).collect(),
        services: services.iter().map(|s| (*s).into()).collect(),
        activesync,
        users: users.iter().map(|u| UserMatch::parse(u).expect("user match")).collect(),
    }
}

fn rules(realm: &[&str]) -> AccessRules {
    AccessRules {
        realm_policies: realm.iter().map(|p| (*p).into()).collect(),
        roles: vec![
            // Staff: CRM and mail, with the baseline check.
            role("staff", &["baseline"], &["crm"], true, &["*@corp.example"]),
            // Kiosk: CRM without a check, for one user.
            role("kiosk", &[], &["crm"], false, &["kiosk@corp.example"]),
            // Admins: CRM and the admin console, two checks.
            role("admins", &["baseline", "disk-crypto"], &["crm", "console"], false, &["root@corp.example"]),
            // Everyone: the wiki, with the baseline check.
            role("wiki", &["baseline"], &["wiki"], false, &["*"]),
        ],
    }
}

struct Case {
    name: &'static str,
    realm: &'static [&'static str],
    resource: Resource<'static>,
    user: Option<&'static str>,
    passed: &'static [&'static str],
    expect: Admission,
}

fn admitted(role: &str) -> Admission {
    Admission::Role(role.into())
}

fn refused_role(role: &str, policy: &str) -> Admission {
    Admission::Refused(Refusal::Role { role: role.into(), policy: policy.into() })
}

#[test]
fn each_case_yields_the_chosen_role_or_the_refusal() {
    let cases = [
        Case {
            name: "a staff user who passed the baseline gets staff",
            realm: &[],
            resource: Resource::Service("crm"),
            user: Some("alice@corp.example"),
            passed: &["baseline"],
            expect: admitted("staff"),
        },
        Case {
            name: "a staff user who failed is refused naming the staff role's policy",
            realm: &[],
            resource: Resource::Service("crm"),
            user: Some("alice@corp.example"),
            passed: &[],
            expect: refused_role("staff", "baseline"),
        },
        Case {
            name: "a user mapped to a role without a check gets it though a checked one passes too",
            realm: &[],
            resource: Resource::Service("crm"),
            user: Some("KIOSK@corp.example"),
            passed: &["baseline"],
            expect: admitted("kiosk"),
        },
        Case {
            name: "a user mapped to a role without a check gets it when the checked one fails",
            realm: &[],
            resource: Resource::Service("crm"),
            user: Some("kiosk@corp.example"),
            passed: &[],
            expect: admitted("kiosk"),
        },
        Case {
            name: "the refusal names the role closest to passing",
            realm: &[],
            resource: Resource::Service("console"),
            user: Some("root@corp.example"),
            passed: &["baseline"],
            expect: refused_role("admins", "disk-crypto"),
        },
        Case {
            name: "of two failing roles, the one with fewer policies not passed",
            realm: &[],
            resource: Resource::Service("crm"),
            user: Some("root@corp.example"),
            passed: &[],
            expect: refused_role("staff", "baseline"),
        },
        Case {
            name: "of two passing roles with checks, the first in order",
            realm: &[],
            resource: Resource::Service("crm"),
            user: Some("root@corp.example"),
            passed: &["baseline", "disk-crypto"],
            expect: admitted("staff"),
        },
        Case {
            name: "a user no role opening the resource maps is refused with no-role",
            realm: &[],
            resource: Resource::Service("console"),
            user: Some("alice@corp.example"),
            passed: &["baseline", "disk-crypto"],
            expect: Admission::Refused(Refusal::NoRole),
        },
        Case {
            name: "an unknown user gets only roles mapped to everyone",
            realm: &[],
            resource: Resource::Service("crm"),
            user: None,
            passed: &["baseline"],
            expect: Admission::Refused(Refusal::NoRole),
        },
        Case {
            name: "an unknown user gets a role mapped to everyone",
            realm: &[],
            resource: Resource::Service("wiki"),
            user: None,
            passed: &["baseline"],
            expect: admitted("wiki"),
        },
        Case {
            name: "a domain match needs a name before the @",
            realm: &[],
            resource: Resource::ActiveSync,
            user: Some("@corp.example"),
            passed: &["baseline"],
            expect: Admission::Refused(Refusal::NoRole),
        },
        Case {
            name: "the ActiveSync back end by role",
            realm: &[],
            resource: Resource::ActiveSync,
            user: Some("bob@CORP.example"),
            passed: &["baseline"],
            expect: admitted("staff"),
        },
        Case {
            name: "a resource no role opens is unguarded",
            realm: &[],
            resource: Resource::Service("intranet"),
            user: None,
            passed: &[],
            expect: Admission::Unguarded,
        },
        Case {
            name: "a realm policy not passed refuses an unguarded resource",
            realm: &["edr"],
            resource: Resource::Service("intranet"),
            user: None,
            passed: &["baseline"],
            expect: Admission::Refused(Refusal::Realm { policy: "edr".into() }),
        },
        Case {
            name: "a realm policy not passed refuses a role without a check",
            realm: &["edr"],
            resource: Resource::Service("crm"),
            user: Some("kiosk@corp.example"),
            passed: &["baseline"],
            expect: Admission::Refused(Refusal::Realm { policy: "edr".into() }),
        },
        Case {
            name: "the realm passed, the role decides",
            realm: &["edr"],
            resource: Resource::Service("crm"),
            user: Some("alice@corp.example"),
            passed: &["edr"],
            expect: refused_role("staff", "baseline"),
        },
    ];
    for case in cases {
        let rules = rules(case.realm);
        let passed = |p: &str| case.passed.contains(&p);
        assert_eq!(rules.admit(case.resource, case.user, &passed), case.expect, "{}", case.name);
    }
}

#[test]
fn refusals_give_the_proxies_reason() {
    assert_eq!(Refusal::Realm { policy: "edr".into() }.reason(), "posture-failed:edr");
    assert_eq!(Refusal::Role { role: "staff".into(), policy: "baseline".into() }.reason(), "posture-failed:baseline");
    assert_eq!(Refusal::NoRole.reason(), "no-role");
}

#[test]
fn user_matches_parse_and_refuse_what_they_cannot_mean() {
    assert_eq!(UserMatch::parse("*"), Some(UserMatch::Everyone));
    assert_eq!(UserMatch::parse("*@corp.example"), Some(UserMatch::Domain("corp.example".into())));
    assert_eq!(UserMatch::parse("alice@corp.example"), Some(UserMatch::User("alice@corp.example".into())));
    for bad in ["", "a b", "*@", "al*ce", "*@a@b", "*@*.example", "*x"] {
        assert_eq!(UserMatch::parse(bad), None, "{bad:?}");
    }
}

#[test]
fn every_policy_a_realm_or_role_requires_is_listed_and_users_are_needed_only_for_named_mappings() {
    let rules = rules(&["edr"]);
    let required: Vec<&str> = rules.required_policies().collect();
    assert_eq!(required, ["edr", "baseline", "baseline", "disk-crypto", "baseline"]);
    assert!(rules.needs_user(Resource::Service("crm")));
    assert!(!rules.needs_user(Resource::Service("wiki")));
    assert!(!rules.needs_user(Resource::Service("intranet")));
}

#[test]
fn a_resource_is_left_open_only_without_realm_policies_and_roles_that_open_it() {
    let none = AccessRules::default();
    assert!(none.leaves_open(Resource::ActiveSync) && !none.picks_users());
    let guarded = rules(&[]);
    assert!(!guarded.leaves_open(Resource::ActiveSync), "staff opens ActiveSync");
    assert!(!guarded.leaves_open(Resource::Service("crm")));
    assert!(guarded.leaves_open(Resource::Service("payroll")), "no role opens it");
    assert!(guarded.picks_users());
    assert!(!rules(&["baseline"]).leaves_open(Resource::Service("payroll")), "a realm policy guards everything");
    let everyone = AccessRules { realm_policies: vec![], roles: vec![role("wiki", &[], &["wiki"], false, &["*"])] };
    assert!(everyone.leaves_open(Resource::ActiveSync) && !everyone.picks_users());
}
