//! Table tests of policy evaluation: each rule passes or fails with its reason.

use postern_host_checker::{
    Monitor, PatchEntry, PatchList, Platform, PlatformMatch, Policy, PolicyError, Posture, Severity, SoftwareRule,
    VersionRange, evaluate,
};
use postern_tnc_wire::pa::{Attribute, ForwardingEnabled, Package};

fn debian(packages: &[(&str, &str)], forwarding: ForwardingEnabled) -> Posture {
    Posture::from_attributes(&[
        Attribute::ProductInformation { vendor_id: 0, product_id: 0, name: "debian".into() },
        Attribute::StringVersion { version: "12".into(), build: "6.1.0-28-amd64".into(), config: "x86_64".into() },
        Attribute::InstalledPackages(
            packages.iter().map(|(n, v)| Package { name: (*n).into(), version: (*v).into() }).collect(),
        ),
        Attribute::ForwardingEnabled(forwarding),
    ])
}

fn range(min: Option<&str>, below: Option<&str>) -> VersionRange {
    VersionRange { min: min.map(Into::into), below: below.map(Into::into) }
}

fn patch_list() -> PatchList {
    let entry = |id: &str, product: &str, fixed: &str, severity| PatchEntry {
        id: id.into(),
        platform: PlatformMatch::LinuxDistribution("debian".into()),
        product: product.into(),
        fixed_version: fixed.into(),
        severity,
        url: Some(format!("https://security.example/{id}")),
    };
    PatchList {
        version: 7,
        entries: vec![
            entry("DSA-0001-1", "openssl", "3.0.14-1~deb12u1", Severity::Important),
            entry("DSA-0002-1", "openssl", "3.0.15-1~deb12u1", Severity::Critical),
            entry("DSA-0003-1", "curl", "7.88.1-10+deb12u8", Severity::Low),
        ],
    }
}

/// One row: a policy, a posture, and the (check, passed, reason fragment) expected.
struct Row {
    policy: Policy,
    posture: Posture,
    expect: Vec<(&'static str, bool, &'static str)>,
}

#[test]
fn each_rule_yields_pass_or_fail_with_a_reason() {
    let linux = || vec![PlatformMatch::LinuxDistribution("debian".into())];
    let old_openssl = debian(
        &[("openssl", "3.0.11-1~deb12u2"), ("curl", "7.88.1-10+deb12u5"), ("telnetd", "0.17-44")],
        ForwardingEnabled::Enabled,
    );
    let new_openssl =
        debian(&[("openssl", "3.0.15-1~deb12u1"), ("curl", "7.88.1-10+deb12u8")], ForwardingEnabled::Disabled);
    let rows = vec![
        Row {
            policy: Policy { min_os_version: Some("12".into()), ..Policy::new("os", linux()) },
            posture: new_openssl.clone(),
            expect: vec![("min-os-version", true, "OS version 12 >= 12")],
        },
        Row {
            policy: Policy { min_os_version: Some("13".into()), ..Policy::new("os", linux()) },
            posture: new_openssl.clone(),
            expect: vec![("min-os-version", false, "OS version 12 is older than 13")],
        },
        Row {
            policy: Policy {
                required: vec![SoftwareRule { name: "openssl".into(), versions: range(Some("3.0.13"), Some("4")) }],
                ..Policy::new("sw", linux())
            },
            posture: old_openssl.clone(),
            expect: vec![("required:openssl", false, "openssl 3.0.11-1~deb12u2 is not >= 3.0.13 and < 4")],
        },
        Row {
            policy: Policy {
                required: vec![SoftwareRule { name: "auditd".into(), versions: range(None, None) }],
                forbidden: vec![SoftwareRule { name: "telnetd".into(), versions: range(None, None) }],
                ..Policy::new("sw", linux())
            },
            posture: old_openssl.clone(),
            expect: vec![
                ("required:auditd", false, "auditd is not installed"),
                ("forbidden:telnetd", false, "telnetd 0.17-44 is installed"),
            ],
        },
        Row {
            policy: Policy {
                forbidden: vec![SoftwareRule { name: "openssl".into(), versions: range(None, Some("3.0.13")) }],
                ..Policy::new("sw", linux())
            },
            posture: new_openssl.clone(),
            expect: vec![("forbidden:openssl", true, "outside the forbidden < 3.0.13")],
        },
        Row {
            policy: Policy { deny_forwarding: true, deny_default_password: true, ..Policy::new("net", linux()) },
            posture: old_openssl.clone(),
            expect: vec![
                ("forwarding", false, "IP forwarding is enabled"),
                ("default-password", false, "state is unknown"),
            ],
        },
        Row {
            policy: Policy {
                monitor: Monitor::Products(vec!["openssl".into(), "curl".into()]),
                ..Policy::new("patches", linux())
            },
            posture: old_openssl.clone(),
            expect: vec![
                ("product:openssl", false, "lacks DSA-0001-1 (important), DSA-0002-1 (critical)"),
                ("product:curl", false, "lacks DSA-0003-1 (low)"),
            ],
        },
        Row {
            policy: Policy {
                monitor: Monitor::Products(vec!["curl".into()]),
                ignore_severities: vec![Severity::Low, Severity::Moderate],
                ..Policy::new("patches", linux())
            },
            posture: old_openssl.clone(),
            expect: vec![("product:curl", true, "carries every listed patch")],
        },
        Row {
            policy: Policy {
                monitor: Monitor::Patches(vec!["DSA-0002-1".into(), "DSA-9999-1".into()]),
                ..Policy::new("one-patch", linux())
            },
            posture: new_openssl.clone(),
            expect: vec![
                ("patch:DSA-0002-1", true, "carries DSA-0002-1"),
                ("patch:DSA-9999-1", false, "not in patch list version 7"),
            ],
        },
    ];
    let list = patch_list();
    for (i, row) in rows.iter().enumerate() {
        row.policy.validate().unwrap_or_else(|e| panic!("row {i}: {e}"));
        let decision = evaluate(std::slice::from_ref(&row.policy), &row.posture, Some(&list));
        assert_eq!(decision.outcomes.len(), row.expect.len(), "row {i}: {:?}", decision.outcomes);
        for (outcome, (check, passed, reason)) in decision.outcomes.iter().zip(&row.expect) {
            assert_eq!(outcome.check, *check, "row {i}");
            assert_eq!(outcome.passed, *passed, "row {i}: {}", outcome.reason);
            assert!(outcome.reason.contains(reason), "row {i}: {:?} lacks {reason:?}", outcome.reason);
            assert_eq!(outcome.remediation.is_some(), !passed, "row {i}: remediation only on failure");
        }
        let all_passed = row.expect.iter().all(|(_, passed, _)| *passed);
        assert_eq!(decision.compliant, all_passed, "row {i}");
    }
}

#[test]
fn remediation_names_the_check_and_where_to_get_the_fix() {
    let policy = Policy {
        monitor: Monitor::Patches(vec!["DSA-0002-1".into()]),
        ..Policy::new("tls", vec![PlatformMatch::AnyLinux])
    };
    let posture = debian(&[("openssl", "3.0.11-1~deb12u2")], ForwardingEnabled::Disabled);
    let decision = evaluate(&[policy], &posture, Some(&patch_list()));
    assert_eq!(decision.failed_policies, vec!["tls".to_owned()]);
    let text = decision.outcomes[0].remediation.clone().expect("remediation");
    assert!(text.contains("tls (patch:DSA-0002-1)"), "{text}");
    assert!(text.contains("Upgrade openssl to 3.0.15-1~deb12u1 or later."), "{text}");
    assert!(text.contains("https://security.example/DSA-0002-1"), "{text}");
}

#[test]
fn a_platform_no_policy_checks_is_denied_with_a_reason() {
    let policy = Policy {
        min_os_version: Some("12".into()),
        ..Policy::new("debian", vec![PlatformMatch::LinuxDistribution("debian".into())])
    };
    let windows = Posture::from_attributes(&[Attribute::ProductInformation {
        vendor_id: 311,
        product_id: 0,
        name: "Windows".into(),
    }]);
    assert_eq!(windows.platform, Some(Platform::Windows));
    let decision = evaluate(std::slice::from_ref(&policy), &windows, None);
    assert!(!decision.compliant);
    assert_eq!(decision.outcomes[0].reason, "no policy can check windows");
    let silent = evaluate(&[policy], &Posture::default(), None);
    assert_eq!(silent.outcomes[0].reason, "the endpoint reported no operating system");
}

#[test]
fn patch_monitoring_without_a_list_fails_closed() {
    let policy = Policy {
        monitor: Monitor::Products(vec!["openssl".into()]),
        ..Policy::new("p", vec![PlatformMatch::AnyLinux])
    };
    let decision = evaluate(&[policy], &debian(&[("openssl", "3.0.15-1~deb12u1")], ForwardingEnabled::Disabled), None);
    assert!(!decision.compliant);
    assert_eq!(decision.outcomes[0].reason, "no patch list has been imported");
}

#[test]
fn policies_that_cannot_be_committed_are_refused() {
    assert_eq!(
        Monitor::from_lists("mixed", vec!["openssl".into()], vec!["DSA-0001-1".into()]),
        Err(PolicyError::ProductsAndPatches { policy: "mixed".into() })
    );
    assert_eq!(
        Monitor::from_lists("p", vec![], vec!["DSA-0001-1".into()]),
        Ok(Monitor::Patches(vec!["DSA-0001-1".into()]))
    );
    let empty = Policy::new("empty", vec![PlatformMatch::Windows]);
    assert_eq!(empty.validate(), Err(PolicyError::NoRule { policy: "empty".into() }));
    let nowhere = Policy { deny_forwarding: true, ..Policy::new("nowhere", vec![]) };
    assert_eq!(nowhere.validate(), Err(PolicyError::NoPlatform { policy: "nowhere".into() }));
    let bad = Policy { deny_forwarding: true, ..Policy::new("Bad Name", vec![PlatformMatch::Ios]) };
    assert!(matches!(bad.validate(), Err(PolicyError::BadName { .. })));
}

#[test]
fn platform_names_map_to_platforms() {
    let table = [
        ("debian", Platform::Linux("debian".into())),
        ("Ubuntu", Platform::Linux("ubuntu".into())),
        ("Debian GNU/Linux", Platform::Linux("debian".into())),
        ("Windows", Platform::Windows),
        ("macOS", Platform::MacOs),
        ("Android", Platform::Android),
        ("iOS", Platform::Ios),
    ];
    for (name, want) in table {
        assert_eq!(Platform::from_product_name(name), want, "{name}");
    }
    assert_eq!(PlatformMatch::parse("linux:debian"), Some(PlatformMatch::LinuxDistribution("debian".into())));
    assert_eq!(PlatformMatch::parse("linux:"), None);
    assert_eq!(PlatformMatch::parse("beos"), None);
}

#[test]
fn software_rules_parse_and_print() {
    for text in ["openssl", "openssl >= 3.0.15", "openssl < 4", "openssl >= 3.0.15 < 4"] {
        assert_eq!(SoftwareRule::parse(text).expect(text).to_string(), text);
    }
    for bad in ["", "openssl >=", "openssl > 3", "openssl >= 1 >= 2"] {
        assert!(SoftwareRule::parse(bad).is_err(), "{bad:?}");
    }
}
