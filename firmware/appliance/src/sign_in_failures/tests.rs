use super::{Admission, FAILURES_PER_SOURCE_PER_MINUTE, FailureBudget, MAX_SOURCES};
use std::net::IpAddr;

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn a_source_gets_its_bound_a_minute_and_others_are_not_held_back() {
    let mut budget = FailureBudget::default();
    let t = 1_700_000_020; // 40 s into a minute
    for _ in 0..FAILURES_PER_SOURCE_PER_MINUTE {
        assert_eq!(budget.admit(ip("192.0.2.1"), t), Admission::Report);
    }
    assert_eq!(budget.admit(ip("192.0.2.1"), t + 1), Admission::Suppressed { first: true });
    assert_eq!(budget.admit(ip("192.0.2.1"), t + 2), Admission::Suppressed { first: false });
    assert_eq!(budget.admit(ip("::ffff:192.0.2.1"), t + 3), Admission::Suppressed { first: false }, "mapped is IPv4");
    assert_eq!(budget.admit(ip("192.0.2.2"), t + 3), Admission::Report);
    assert_eq!(budget.admit(ip("192.0.2.1"), t + 20), Admission::Report, "a new minute, a new budget");
}

#[test]
fn an_ipv6_source_counts_by_its_64() {
    let mut budget = FailureBudget::default();
    for n in 0..FAILURES_PER_SOURCE_PER_MINUTE {
        assert_eq!(budget.admit(ip(&format!("2001:db8:1:2::{n:x}")), 60), Admission::Report);
    }
    assert_eq!(budget.admit(ip("2001:db8:1:2:ffff::1"), 60), Admission::Suppressed { first: true });
    assert_eq!(budget.admit(ip("2001:db8:1:3::1"), 60), Admission::Report);
}

#[test]
fn too_many_sources_in_a_minute_are_counted_not_reported() {
    let mut budget = FailureBudget::default();
    for n in 0..MAX_SOURCES {
        let [a, b] = u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes();
        assert_eq!(budget.admit(IpAddr::from([10, 0, a, b]), 120), Admission::Report);
    }
    assert_eq!(budget.admit(ip("192.0.2.9"), 120), Admission::Suppressed { first: false });
    assert_eq!(budget.admit(ip("10.0.0.0"), 120), Admission::Report, "a known source keeps its budget");
}

#[cfg(feature = "federation")]
#[test]
fn a_refusal_becomes_a_valid_failed_report_with_its_code() {
    use postern_access_profile::api::{SignInBatch, SignInResult, UNKNOWN_PAIRING};
    use postern_federation::flow::{FlowError, Refusal};
    use postern_federation::sp_request::SpRequestError;
    let unknown = Refusal {
        pairing: None,
        device_id: None,
        error: FlowError::Request(SpRequestError::UnknownSp(format!("https://evil.example/\u{7}{}", "x".repeat(2000)))),
    };
    let report = super::failed(&unknown, 1_700_000_000);
    assert_eq!((report.result, report.code.as_deref()), (SignInResult::Failed, Some("unknown-sp")));
    assert_eq!((report.pairing.as_str(), report.user.as_deref()), (UNKNOWN_PAIRING, None));
    let reason = report.reason.clone().unwrap_or_default();
    assert!(reason.starts_with("AuthnRequest from `https://evil.example/ x") && reason.len() <= 1024, "{reason}");
    let acs = Refusal {
        pairing: Some("mail".into()),
        device_id: Some("uem-0001".into()),
        error: FlowError::Request(SpRequestError::UnknownAcs("https://elsewhere.example/acs".into())),
    };
    let acs = super::failed(&acs, 1);
    assert_eq!(
        (acs.pairing.as_str(), acs.device.as_deref(), acs.code.as_deref()),
        ("mail", Some("uem-0001"), Some("unknown-acs"))
    );
    assert!(SignInBatch { sign_ins: vec![report, acs] }.validate().is_ok(), "the portal's API accepts them");
}
