//! SASL PLAIN between the verifier and the collector, in memory: success, a wrong
//! password answered with a failure and, after the bounded attempts, a PT-TLS error;
//! a batch before authentication is refused; the layouts strongSwan's client sends.

use std::sync::Arc;

use postern_host_checker::{
    Collector, CollectorOutput, PasswordCheck, PolicySet, PostureReport, SaslAccounts, SaslRejection, Verifier,
    VerifierConfig, VerifierOutput,
};
use postern_tnc_wire::{
    Limits,
    pa::ForwardingEnabled,
    pt_tls::{ErrorCode, PtTlsBody, PtTlsRepr, SASL_ABORT, SASL_FAILURE, SASL_SUCCESS},
};

struct OneAccount;

impl PasswordCheck for OneAccount {
    fn check(&self, user: &str, password: &[u8]) -> bool {
        user == "alice" && password == b"correct horse"
    }
}

fn verifier(max_attempts: u32) -> Verifier {
    let sasl = SaslAccounts { accounts: Arc::new(OneAccount), max_attempts };
    Verifier::new(VerifierConfig { sasl: Some(sasl), ..VerifierConfig::default() }, Arc::new(PolicySet::default()))
}

fn report() -> PostureReport {
    PostureReport {
        product: "debian".into(),
        version: "12".into(),
        build: "6.1.0".into(),
        config: "x86_64".into(),
        packages: Vec::new(),
        forwarding: ForwardingEnabled::Disabled,
        default_password: None,
    }
}

fn message(identifier: u32, body: PtTlsBody) -> Vec<u8> {
    PtTlsRepr { identifier, body }.to_bytes().expect("emits")
}

fn bodies(out: &[VerifierOutput]) -> Vec<PtTlsBody> {
    out.iter()
        .filter_map(|o| match o {
            VerifierOutput::Send(b) => Some(PtTlsRepr::parse_bytes(b, &Limits::DEFAULT).expect("parses").body),
            _ => None,
        })
        .collect()
}

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// Runs the collector against the verifier until the collector has nothing more to
/// send; returns everything the verifier and the collector produced.
fn converse(verifier: &mut Verifier, collector: &mut Collector) -> (Vec<VerifierOutput>, Vec<CollectorOutput>) {
    let (mut seen_v, mut seen_c) = (Vec::new(), Vec::new());
    let mut to_verifier = vec![collector.start().expect("starts")];
    while let Some(m) = to_verifier.pop() {
        for out in verifier.receive(&m) {
            if let VerifierOutput::Send(bytes) = &out {
                for reply in collector.receive(bytes) {
                    if let CollectorOutput::Send(b) = &reply {
                        to_verifier.insert(0, b.clone());
                    }
                    seen_c.push(reply);
                }
            }
            seen_v.push(out);
        }
        assert!(seen_v.len() < 200, "runaway exchange");
    }
    (seen_v, seen_c)
}

#[test]
fn the_right_password_authenticates_before_any_batch() {
    let mut v = verifier(3);
    let mut c = Collector::new(report(), Limits::DEFAULT).with_sasl_plain("alice".into(), b"correct horse".to_vec());
    let (out, replies) = converse(&mut v, &mut c);
    assert!(out.contains(&VerifierOutput::Authenticated { user: "alice".into() }), "{out:?}");
    assert!(out.iter().any(|o| matches!(o, VerifierOutput::Decided(_))), "{out:?}");
    assert!(c.sasl_authenticated());
    assert!(replies.iter().any(|r| matches!(r, CollectorOutput::Result(_))), "{replies:?}");
}

#[test]
fn a_wrong_password_gets_a_failure_result_and_the_collector_stops() {
    let mut v = verifier(3);
    let mut c = Collector::new(report(), Limits::DEFAULT).with_sasl_plain("alice".into(), b"wrong".to_vec());
    let (out, replies) = converse(&mut v, &mut c);
    assert!(
        out.contains(&VerifierOutput::SaslRejected {
            user: Some("alice".into()),
            why: SaslRejection::Credentials,
            attempt: 1
        }),
        "{out:?}"
    );
    let sent = bodies(&out);
    assert!(sent.contains(&PtTlsBody::SaslResult { code: SASL_FAILURE, data: vec![] }), "{sent:?}");
    assert!(!out.iter().any(|o| matches!(o, VerifierOutput::Decided(_) | VerifierOutput::Authenticated { .. })));
    let Some(CollectorOutput::Failed(reason)) = replies.iter().find(|r| matches!(r, CollectorOutput::Failed(_))) else {
        panic!("{replies:?}")
    };
    assert!(reason.contains("refused SASL PLAIN for user alice"), "{reason}");
}

#[test]
fn a_collector_without_credentials_is_told_sasl_is_required() {
    let mut v = verifier(3);
    let mut c = Collector::new(report(), Limits::DEFAULT);
    let (out, replies) = converse(&mut v, &mut c);
    assert!(!out.iter().any(|o| matches!(o, VerifierOutput::Decided(_))));
    let Some(CollectorOutput::Failed(reason)) = replies.last() else { panic!("{replies:?}") };
    assert!(reason.contains("requires SASL authentication (PLAIN)"), "{reason}");
}

#[test]
fn a_verifier_without_sasl_ends_the_phase_and_the_credentials_go_unused() {
    let mut v = Verifier::new(VerifierConfig::default(), Arc::new(PolicySet::default()));
    let mut c = Collector::new(report(), Limits::DEFAULT).with_sasl_plain("alice".into(), b"x".to_vec());
    let (out, _) = converse(&mut v, &mut c);
    assert!(out.iter().any(|o| matches!(o, VerifierOutput::Decided(_))), "{out:?}");
    assert!(!c.sasl_authenticated());
}

/// The bytes strongSwan's pt-tls-client sends (pt_tls_client.c, sasl_plain.c): a
/// Version Request, then a Mechanism Selection whose initial response is the PLAIN
/// message with an empty authzid; after a failure it selects again.
#[test]
fn strongswan_client_layout_attempts_are_bounded_then_a_pt_tls_error() {
    let mut v = verifier(2);
    let out = v.receive(&hex("00000000 00000001 00000014 00000000 00010101"));
    assert_eq!(bodies(&out), vec![PtTlsBody::VersionResponse(1), PtTlsBody::SaslMechanisms(vec!["PLAIN".into()])]);
    // "PLAIN" then "\0alice\0wrong": value 1 + 5 + 12 octets, message 34.
    let wrong = hex("00000000 00000004 00000022 00000001 05 504c41494e 00 616c696365 00 77726f6e67");
    let out = v.receive(&wrong);
    assert_eq!(
        bodies(&out),
        vec![
            PtTlsBody::SaslResult { code: SASL_FAILURE, data: vec![] },
            PtTlsBody::SaslMechanisms(vec!["PLAIN".into()])
        ]
    );
    let out = v.receive(&wrong);
    assert!(out.contains(&VerifierOutput::SaslRejected {
        user: Some("alice".into()),
        why: SaslRejection::Credentials,
        attempt: 2
    }));
    let sent = bodies(&out);
    assert_eq!(sent[0], PtTlsBody::SaslResult { code: SASL_ABORT, data: vec![] });
    assert!(
        matches!(&sent[1], PtTlsBody::Error { code, .. } if *code == ErrorCode::SaslMechanismError as u32),
        "{sent:?}"
    );
    assert!(matches!(out.last(), Some(VerifierOutput::Failed(r)) if r.contains("SASL authentication failed 2")));
}

#[test]
fn strongswan_client_layout_succeeds_and_the_result_reads_as_success_in_one_octet() {
    let mut v = verifier(3);
    v.receive(&hex("00000000 00000001 00000014 00000000 00010101"));
    let right = message(
        1,
        PtTlsBody::SaslMechanismSelection { mechanism: "PLAIN".into(), initial: b"\0alice\0correct horse".to_vec() },
    );
    let out = v.receive(&right);
    let sent: Vec<&Vec<u8>> =
        out.iter().filter_map(|o| if let VerifierOutput::Send(b) = o { Some(b) } else { None }).collect();
    // strongSwan's client reads the result's first octet: 0, success.
    assert_eq!(sent[0][16], 0);
    assert_eq!(
        PtTlsRepr::parse_bytes(sent[0], &Limits::DEFAULT).expect("parses").body,
        PtTlsBody::SaslResult { code: SASL_SUCCESS, data: vec![] }
    );
    assert_eq!(
        PtTlsRepr::parse_bytes(sent[1], &Limits::DEFAULT).expect("parses").body,
        PtTlsBody::SaslMechanisms(vec![])
    );
}

#[test]
fn a_batch_before_authentication_and_other_mechanisms_are_refused() {
    let mut v = verifier(3);
    v.receive(&message(0, PtTlsBody::VersionRequest { min: 1, max: 1, preferred: 1 }));
    let out = v.receive(&message(1, PtTlsBody::PbTncBatch(vec![2, 0x80, 0, 1, 0, 0, 0, 8])));
    assert!(matches!(out.last(), Some(VerifierOutput::Failed(_))), "{out:?}");
    let sent = bodies(&out);
    assert!(matches!(&sent[0], PtTlsBody::Error { code, .. } if *code == ErrorCode::InvalidMessage as u32));

    let mut v = verifier(3);
    v.receive(&message(0, PtTlsBody::VersionRequest { min: 1, max: 1, preferred: 1 }));
    let out = v
        .receive(&message(1, PtTlsBody::SaslMechanismSelection { mechanism: "SCRAM-SHA-256".into(), initial: vec![] }));
    assert_eq!(bodies(&out)[0], PtTlsBody::SaslResult { code: 3, data: vec![] });
    // Without an initial response, PLAIN gets an empty challenge and the data next.
    let out = v.receive(&message(2, PtTlsBody::SaslMechanismSelection { mechanism: "PLAIN".into(), initial: vec![] }));
    assert_eq!(bodies(&out), vec![PtTlsBody::SaslAuthenticationData(vec![])]);
    let out = v.receive(&message(3, PtTlsBody::SaslAuthenticationData(b"\0alice\0correct horse".to_vec())));
    assert!(out.contains(&VerifierOutput::Authenticated { user: "alice".into() }), "{out:?}");
}
