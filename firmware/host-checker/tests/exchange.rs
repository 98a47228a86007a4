//! The verifier and the collector talk to each other in memory, message by message, as
//! they would over PT-TLS: segmentation of a large package list, the result with its
//! remediation, a retry that changes the decision, and refusals.

use std::sync::Arc;

use postern_host_checker::{
    Collector, CollectorOutput, CollectorResult, Decision, PlatformMatch, Policy, PolicySet, PostureReport,
    SoftwareRule, Verifier, VerifierConfig, VerifierOutput, VersionRange,
};
use postern_tnc_wire::{
    Limits,
    pa::{ForwardingEnabled, Package},
    pb::{AccessRecommendation, AssessmentResult},
    pt_tls::{PtTlsBody, PtTlsRepr},
};

fn report(openssl: &str, extra_packages: usize) -> PostureReport {
    let mut packages = vec![Package { name: "openssl".into(), version: openssl.into() }];
    packages.extend(
        (0..extra_packages).map(|i| Package { name: format!("lib-{i:05}"), version: format!("2.{i}.1-3+deb12u1") }),
    );
    PostureReport {
        product: "debian".into(),
        version: "12".into(),
        build: "6.1.0-28-amd64".into(),
        config: "x86_64".into(),
        packages,
        forwarding: ForwardingEnabled::Disabled,
        default_password: Some(false),
    }
}

fn policies() -> Arc<PolicySet> {
    let policy = Policy {
        min_os_version: Some("12".into()),
        required: vec![SoftwareRule {
            name: "openssl".into(),
            versions: VersionRange { min: Some("3.0.15".into()), below: None },
        }],
        deny_forwarding: true,
        ..Policy::new("debian-baseline", vec![PlatformMatch::LinuxDistribution("debian".into())])
    };
    Arc::new(PolicySet { policies: vec![policy], patch_list: None })
}

/// Runs messages between the two until the collector closes; returns the decision, the
/// collector's result and how many PT-TLS messages the collector sent.
fn run(verifier: &mut Verifier, collector: &mut Collector, first: Vec<u8>) -> (Decision, CollectorResult, usize) {
    let mut to_verifier = vec![first];
    let (mut decision, mut result, mut sent) = (None, None, 0);
    let mut closed = false;
    while let Some(message) = to_verifier.pop() {
        sent += 1;
        assert!(sent < 200, "runaway exchange");
        for out in verifier.receive(&message) {
            match out {
                VerifierOutput::Send(bytes) => {
                    for reply in collector.receive(&bytes) {
                        match reply {
                            CollectorOutput::Send(b) => to_verifier.insert(0, b),
                            CollectorOutput::Result(r) => result = Some(r),
                            CollectorOutput::Close => closed = true,
                            CollectorOutput::Failed(reason) => panic!("collector failed: {reason}"),
                            CollectorOutput::Recheck => panic!("no recheck was asked for"),
                        }
                    }
                }
                VerifierOutput::Decided(d) => decision = Some(d),
                VerifierOutput::Close | VerifierOutput::Authenticated { .. } => {}
                VerifierOutput::SaslRejected { .. } => panic!("no SASL in this exchange"),
                VerifierOutput::Failed(reason) => panic!("verifier failed: {reason}"),
            }
        }
    }
    assert!(closed, "the verifier closes the session");
    (decision.expect("decided"), result.expect("result"), sent)
}

#[test]
fn a_compliant_endpoint_with_a_large_package_list_is_allowed() {
    let mut verifier = Verifier::new(VerifierConfig::default(), policies());
    let mut collector = Collector::new(report("3.0.15-1~deb12u1", 2000), Limits::DEFAULT);
    let first = collector.start().expect("version request");
    let (decision, result, sent) = run(&mut verifier, &mut collector, first);
    assert!(decision.compliant, "{decision:?}");
    assert_eq!(verifier.posture().packages.len(), 2001, "the whole list arrived");
    // Version request, first CDATA, attributes with the first segment, the next segments,
    // CLOSE: a 60 KiB list in 16 KiB segments takes several round trips.
    assert!(sent >= 7, "{sent} messages: the package list was segmented");
    assert_eq!(result.assessment, Some(AssessmentResult::Compliant));
    assert_eq!(result.access, Some(AccessRecommendation::Allowed));
    assert!(result.remediation.is_empty());
}

#[test]
fn a_non_compliant_endpoint_gets_its_remediation_and_a_retry_changes_the_decision() {
    let mut verifier = Verifier::new(VerifierConfig::default(), policies());
    // Kept open after the result, as a collector watching the endpoint is.
    let mut collector = Collector::new(report("3.0.11-1~deb12u2", 10), Limits::DEFAULT).keep_open();
    let mut to_verifier = vec![collector.start().expect("version request")];
    let mut results = Vec::new();
    let mut decisions = Vec::new();
    while let Some(message) = to_verifier.pop() {
        for out in verifier.receive(&message) {
            match out {
                VerifierOutput::Send(bytes) => {
                    for reply in collector.receive(&bytes) {
                        match reply {
                            CollectorOutput::Send(b) => to_verifier.insert(0, b),
                            CollectorOutput::Result(r) => {
                                results.push(r);
                                if results.len() == 1 {
                                    // The endpoint was fixed: a new assessment (CRETRY).
                                    to_verifier
                                        .insert(0, collector.retry(report("3.0.15-1~deb12u1", 10)).expect("retry"));
                                }
                            }
                            CollectorOutput::Close | CollectorOutput::Failed(_) | CollectorOutput::Recheck => {
                                panic!("the session stays open")
                            }
                        }
                    }
                }
                VerifierOutput::Decided(d) => decisions.push(d),
                VerifierOutput::Close | VerifierOutput::Failed(_) => panic!("the session stays open"),
                VerifierOutput::Authenticated { .. } | VerifierOutput::SaslRejected { .. } => panic!("no SASL here"),
            }
        }
    }
    assert_eq!(decisions.len(), 2);
    assert!(!decisions[0].compliant);
    assert!(decisions[1].compliant);
    assert_eq!(results[0].access, Some(AccessRecommendation::NoAccess));
    assert_eq!(results[0].remediation.len(), 1);
    assert!(results[0].remediation[0].contains("debian-baseline (required:openssl)"), "{:?}", results[0].remediation);
    assert_eq!(results[1].access, Some(AccessRecommendation::Allowed));
}

/// Delivers `message` to the verifier and everything that follows, until neither side
/// has more to say; the decisions made and the collector's results.
fn exchange(
    verifier: &mut Verifier,
    collector: &mut Collector,
    first: Vec<u8>,
    recheck_report: &mut Option<PostureReport>,
) -> (Vec<Decision>, Vec<CollectorResult>) {
    let (mut decisions, mut results) = (Vec::new(), Vec::new());
    let mut to_verifier = vec![first];
    let mut to_collector: Vec<Vec<u8>> = Vec::new();
    loop {
        if let Some(bytes) = to_collector.pop() {
            for reply in collector.receive(&bytes) {
                match reply {
                    CollectorOutput::Send(b) => to_verifier.insert(0, b),
                    CollectorOutput::Result(r) => results.push(r),
                    CollectorOutput::Recheck => {
                        let report = recheck_report.take().expect("one recheck");
                        to_verifier.insert(0, collector.answer_recheck(report).expect("answer"));
                    }
                    CollectorOutput::Close | CollectorOutput::Failed(_) => panic!("the session stays open"),
                }
            }
        } else if let Some(message) = to_verifier.pop() {
            for out in verifier.receive(&message) {
                match out {
                    VerifierOutput::Send(bytes) => to_collector.insert(0, bytes),
                    VerifierOutput::Decided(d) => decisions.push(d),
                    VerifierOutput::Close | VerifierOutput::Failed(_) => panic!("the session stays open"),
                    VerifierOutput::Authenticated { .. } | VerifierOutput::SaslRejected { .. } => {
                        panic!("no SASL here")
                    }
                }
            }
        } else {
            return (decisions, results);
        }
    }
}

#[test]
fn a_recheck_the_verifier_asks_for_reads_the_endpoint_again() {
    let mut verifier = Verifier::new(VerifierConfig::default(), policies());
    assert!(verifier.recheck().is_none(), "nothing to recheck before a decision");
    let mut collector = Collector::new(report("3.0.15-1~deb12u1", 3000), Limits::DEFAULT).keep_open();
    let first = collector.start().expect("version request");
    let mut fresh = Some(report("3.0.11-1~deb12u2", 3000));
    let (decisions, results) = exchange(&mut verifier, &mut collector, first, &mut fresh);
    assert_eq!((decisions.len(), results.len()), (1, 1));
    assert!(decisions[0].compliant);
    // The endpoint changed; the verifier's schedule asks (SRETRY); the answer is segmented
    // again (3 000 packages) and decides anew.
    let sretry = verifier.recheck().expect("between assessments");
    assert!(verifier.recheck().is_none(), "one recheck at a time");
    let mut to_collector = collector.receive(&sretry);
    let Some(CollectorOutput::Recheck) = to_collector.pop() else { panic!("the collector is asked to recheck") };
    let answer = collector.answer_recheck(fresh.take().expect("report")).expect("answer");
    let (decisions, results) = exchange(&mut verifier, &mut collector, answer, &mut None);
    assert_eq!(decisions.len(), 1);
    assert!(!decisions[0].compliant, "{:?}", decisions[0]);
    assert_eq!(verifier.posture().packages.len(), 3001);
    assert_eq!(results[0].access, Some(AccessRecommendation::NoAccess));
    assert!(verifier.recheck().is_some(), "and again later");
}

#[test]
fn bad_input_gets_an_error_message_and_ends_the_session() {
    let mut verifier = Verifier::new(VerifierConfig::default(), policies());
    let out = verifier.receive(b"\0\0\0\0\0\0\0\x01\0\0\0\x14\0\0\0\0\0\x02\x02\x02");
    let [VerifierOutput::Send(reply), VerifierOutput::Failed(reason)] = &out[..] else { panic!("{out:?}") };
    assert!(reason.contains("PT-TLS 2..=2"), "{reason}");
    let reply = PtTlsRepr::parse_bytes(reply, &Limits::DEFAULT).expect("an error message");
    assert!(matches!(reply.body, PtTlsBody::Error { code: 2, .. }), "Version Not Supported");

    let mut verifier = Verifier::new(VerifierConfig::default(), policies());
    let out = verifier.receive(b"garbage");
    assert!(matches!(out.last(), Some(VerifierOutput::Failed(_))));
    // A batch before version negotiation is refused too.
    let mut verifier = Verifier::new(VerifierConfig::default(), policies());
    let batch = PtTlsRepr { identifier: 0, body: PtTlsBody::PbTncBatch(vec![2, 0, 0, 1, 0, 0, 0, 8]) }
        .to_bytes()
        .expect("emits");
    let out = verifier.receive(&batch);
    assert!(matches!(out.last(), Some(VerifierOutput::Failed(r)) if r.contains("not allowed")), "{out:?}");
}
