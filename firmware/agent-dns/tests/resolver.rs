//! The resolver: protected names answered (fixed or synthetic addresses, empty AAAA),
//! every other query forwarded unchanged, malformed queries refused or dropped.

use postern_agent_dns::{
    AnswerKind, Flags, Name, Outcome, Packet, Question, Repr, Resolver, SyntheticPool, is_answer_to, rtype,
};
use postern_agent_wire::Resource;
use std::net::Ipv4Addr;

fn resources() -> Vec<Resource> {
    vec![
        Resource {
            name: "intranet".into(),
            service: "crm".into(),
            prefixes: vec![
                "10.1.0.5/32".parse().expect("p"),
                "10.1.0.6/32".parse().expect("p"),
                "fd00:1::5/128".parse().expect("p"),
            ],
            ports: vec![443],
            names: vec!["intranet.corp.example".into()],
        },
        Resource {
            name: "lab".into(),
            service: "crm".into(),
            prefixes: vec!["10.2.0.0/16".parse().expect("p")],
            ports: vec![],
            names: vec!["*.lab.corp.example".into(), "special.lab.corp.example".into()],
        },
    ]
}

fn resolver() -> Resolver {
    let mut r = Resolver::new(SyntheticPool::new(Ipv4Addr::new(198, 18, 0, 0), 16).expect("pool"));
    r.set_resources(&resources());
    r
}

fn query(id: u16, host: &str, qtype: u16) -> Vec<u8> {
    Repr {
        id,
        flags: Flags(0x0100),
        questions: vec![Question { name: Name::from_dotted(host).expect("name"), rtype: qtype, class: 1 }],
        answers: vec![],
        authority: vec![],
        additional: vec![],
    }
    .to_bytes()
    .expect("emit")
}

fn answered(outcome: Outcome) -> (Repr, AnswerKind) {
    match outcome {
        Outcome::Answer { bytes, kind } => {
            (Repr::parse(&Packet::new_checked(&bytes[..]).expect("header")).expect("parse"), kind)
        }
        other => panic!("not answered: {other:?}"),
    }
}

fn addresses(repr: &Repr) -> Vec<Vec<u8>> {
    repr.answers.iter().map(|a| a.data.clone()).collect()
}

#[test]
fn a_protected_name_with_host_prefixes_gets_them() {
    let mut r = resolver();
    let q = query(0x1234, "Intranet.Corp.Example", rtype::A);
    let (answer, kind) = answered(r.handle(&q, 512));
    assert_eq!(kind, AnswerKind::Fixed);
    assert_eq!(answer.id, 0x1234);
    assert!(answer.flags.response() && answer.flags.rcode() == 0 && answer.flags.recursion_desired());
    assert_eq!(
        answer.questions[0].name,
        Name::from_dotted("Intranet.Corp.Example").expect("n"),
        "the question is echoed as asked"
    );
    assert_eq!(addresses(&answer), [vec![10, 1, 0, 5], vec![10, 1, 0, 6]]);
    let (answer, kind) = answered(r.handle(&query(2, "intranet.corp.example", rtype::AAAA), 512));
    assert_eq!(kind, AnswerKind::Fixed);
    assert_eq!(answer.answers[0].rtype, rtype::AAAA);
    assert_eq!(addresses(&answer), [vec![0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5]]);
    let (answer, kind) = answered(r.handle(&query(3, "intranet.corp.example", 15), 512));
    assert_eq!(
        (kind, answer.answers.len(), answer.flags.rcode()),
        (AnswerKind::NoData, 0, 0),
        "MX: no data, not forwarded"
    );
}

#[test]
fn a_wildcard_name_gets_a_stable_synthetic_address_and_an_empty_aaaa() {
    let mut r = resolver();
    let (a, kind) = answered(r.handle(&query(1, "build.lab.corp.example", rtype::A), 512));
    assert_eq!(kind, AnswerKind::Synthetic);
    assert_eq!(addresses(&a), [vec![198, 18, 0, 1]]);
    let (b, _) = answered(r.handle(&query(2, "deep.wiki.lab.corp.example", rtype::A), 512));
    assert_eq!(addresses(&b), [vec![198, 18, 0, 2]]);
    let (again, _) = answered(r.handle(&query(3, "BUILD.lab.corp.example", rtype::A), 512));
    assert_eq!(addresses(&again), [vec![198, 18, 0, 1]], "same name, same address");
    let owner = r.synthetic_owner(Ipv4Addr::new(198, 18, 0, 2)).expect("mapped");
    assert_eq!((owner.name.as_str(), owner.resource.as_str()), ("deep.wiki.lab.corp.example", "lab"));
    let (exact, _) = answered(r.handle(&query(4, "special.lab.corp.example", rtype::A), 512));
    assert_eq!(addresses(&exact), [vec![198, 18, 0, 3]]);
    let (aaaa, kind) = answered(r.handle(&query(5, "build.lab.corp.example", rtype::AAAA), 512));
    assert_eq!((kind, aaaa.answers.len(), aaaa.flags.rcode()), (AnswerKind::NoData, 0, 0));
    // A new resource list keeps the addresses handed out.
    r.set_resources(&resources());
    let (again, _) = answered(r.handle(&query(6, "build.lab.corp.example", rtype::A), 512));
    assert_eq!(addresses(&again), [vec![198, 18, 0, 1]]);
}

#[test]
fn the_pool_is_bounded_and_a_full_pool_fails_the_query() {
    let mut r = Resolver::new(SyntheticPool::new(Ipv4Addr::new(198, 18, 0, 0), 30).expect("pool"));
    r.set_resources(&resources());
    for (i, host) in ["a.lab.corp.example", "b.lab.corp.example"].iter().enumerate() {
        let (_, kind) = answered(r.handle(&query(1, host, rtype::A), 512));
        assert_eq!(kind, AnswerKind::Synthetic, "{i}");
    }
    let (full, kind) = answered(r.handle(&query(1, "c.lab.corp.example", rtype::A), 512));
    assert_eq!((kind, full.flags.rcode()), (AnswerKind::ServFail, 2));
    assert!(SyntheticPool::new(Ipv4Addr::new(198, 18, 0, 0), 31).is_none());
    let mut big = SyntheticPool::new(Ipv4Addr::new(10, 0, 0, 0), 8).expect("pool");
    for i in 0..postern_agent_dns::MAX_SYNTHETIC {
        assert!(big.address(&format!("h{i}.example"), "r").is_some());
    }
    assert_eq!(big.address("one-more.example", "r"), None);
}

#[test]
fn every_other_name_the_suffix_itself_and_other_classes_are_forwarded() {
    let mut r = resolver();
    for host in ["example.org", "lab.corp.example", "corp.example", "xintranet.corp.example", "a_b.lab.corp.example"] {
        assert_eq!(r.handle(&query(7, host, rtype::A), 512), Outcome::Forward, "{host}");
    }
    let mut chaos = query(8, "intranet.corp.example", 16);
    let n = chaos.len();
    chaos[n - 1] = 3;
    assert_eq!(r.handle(&chaos, 512), Outcome::Forward);
}

#[test]
fn malformed_queries_get_formerr_and_non_queries_are_dropped() {
    let mut r = resolver();
    assert_eq!(r.handle(&[1, 2, 3], 512), Outcome::Drop);
    let mut response = query(9, "intranet.corp.example", rtype::A);
    response[2] |= 0x80;
    assert_eq!(r.handle(&response, 512), Outcome::Drop);
    let mut truncated = query(10, "intranet.corp.example", rtype::A);
    truncated.truncate(20);
    let (formerr, kind) = answered(r.handle(&truncated, 512));
    assert_eq!((kind, formerr.id, formerr.flags.rcode(), formerr.questions.len()), (AnswerKind::FormErr, 10, 1, 0));
    let mut two = query(11, "intranet.corp.example", rtype::A);
    two[5] = 0;
    let (formerr, kind) = answered(r.handle(&two[..12], 512));
    assert_eq!((kind, formerr.flags.rcode()), (AnswerKind::FormErr, 1), "no question");
    let mut update = query(12, "intranet.corp.example", rtype::A);
    update[2] |= 5 << 3;
    let (notimp, kind) = answered(r.handle(&update, 512));
    assert_eq!((kind, notimp.flags.rcode()), (AnswerKind::NotImp, 4));
}

#[test]
fn an_answer_too_long_for_udp_is_truncated() {
    let mut many = resources();
    many[0].prefixes = (0..32).map(|i| format!("10.9.0.{i}/32").parse().expect("p")).collect();
    let mut r = resolver();
    r.set_resources(&many);
    let q = query(1, "intranet.corp.example", rtype::A);
    let (full, _) = answered(r.handle(&q, 65_535));
    assert_eq!(full.answers.len(), 32);
    let (cut, _) = answered(r.handle(&q, 200));
    assert!(cut.flags.truncated() && cut.answers.is_empty());
}

#[test]
fn only_a_response_with_the_query_id_is_relayed() {
    let q = query(0x4242, "example.org", rtype::A);
    let mut response = q.clone();
    response[2] |= 0x80;
    assert!(is_answer_to(&q, &response));
    response[1] ^= 1;
    assert!(!is_answer_to(&q, &response));
    assert!(!is_answer_to(&q, &q), "a query is not an answer");
    assert!(!is_answer_to(&q, &[0x42]));
}
