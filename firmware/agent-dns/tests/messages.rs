//! DNS messages: round trips, compression, and every bound refused with its error.

use postern_agent_dns::{DnsError, Flags, Name, Packet, Question, Record, Repr, class, rtype};

fn name(text: &str) -> Name {
    Name::from_dotted(text).expect("name")
}

fn query(id: u16, host: &str, qtype: u16) -> Repr {
    Repr {
        id,
        flags: Flags(0x0100),
        questions: vec![Question { name: name(host), rtype: qtype, class: class::IN }],
        answers: vec![],
        authority: vec![],
        additional: vec![],
    }
}

fn parse(bytes: &[u8]) -> Result<Repr, DnsError> {
    Repr::parse(&Packet::new_checked(bytes)?)
}

#[test]
fn a_query_and_a_response_round_trip_with_the_answer_name_compressed() {
    let q = query(0xBEEF, "intranet.corp.example", rtype::A);
    let bytes = q.to_bytes().expect("emit");
    assert_eq!(bytes.len(), 12 + 23 + 4);
    assert_eq!(parse(&bytes), Ok(q.clone()));
    let mut r = q;
    r.flags = Flags(0x8580);
    r.answers = vec![Record {
        name: name("intranet.corp.example"),
        rtype: rtype::A,
        class: class::IN,
        ttl: 60,
        data: vec![10, 1, 0, 5],
    }];
    r.additional = vec![Record { name: Name::root(), rtype: 41, class: 1232, ttl: 0, data: vec![] }];
    let bytes = r.to_bytes().expect("emit");
    assert_eq!(bytes.len(), 12 + 27 + (2 + 10 + 4) + (1 + 10));
    assert_eq!(&bytes[39..41], &[0xC0, 12], "the answer's name points to the question");
    assert_eq!(parse(&bytes), Ok(r.clone()));
    let mut short = vec![0; bytes.len() - 1];
    assert!(matches!(r.emit(&mut short), Err(DnsError::BufferTooShort { .. })));
}

#[test]
fn names_are_read_case_kept_and_compared_lower_case() {
    let q = query(1, "InTraNet.Corp.Example", rtype::A);
    let parsed = parse(&q.to_bytes().expect("emit")).expect("parse");
    assert_eq!(parsed.questions[0].name, name("InTraNet.Corp.Example"));
    assert_eq!(parsed.questions[0].name.to_host_name().as_deref(), Some("intranet.corp.example"));
    assert_eq!(name("a_b.example").to_host_name(), None);
}

fn header(qd: u16, an: u16) -> Vec<u8> {
    let mut h = vec![0, 1, 1, 0];
    h.extend_from_slice(&qd.to_be_bytes());
    h.extend_from_slice(&an.to_be_bytes());
    h.extend_from_slice(&[0, 0, 0, 0]);
    h
}

#[test]
fn compression_loops_and_forward_pointers_are_refused() {
    // A pointer to itself.
    let mut m = header(1, 0);
    m.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1]);
    assert_eq!(parse(&m), Err(DnsError::BadPointer));
    // A label, then a pointer back to it: a loop through labels.
    let mut m = header(1, 0);
    m.extend_from_slice(&[1, b'a', 0xC0, 12, 0, 1, 0, 1]);
    assert_eq!(parse(&m), Err(DnsError::BadPointer));
    // Two names pointing at each other.
    let mut m = header(1, 1);
    m.extend_from_slice(&[1, b'a', 0, 0, 1, 0, 1]);
    m.extend_from_slice(&[0xC0, 19, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(parse(&m), Err(DnsError::BadPointer));
    // A pointer to an earlier name is fine.
    let mut m = header(1, 1);
    m.extend_from_slice(&[1, b'a', 0, 0, 1, 0, 1]);
    m.extend_from_slice(&[0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
    assert_eq!(parse(&m).expect("parses").answers[0].name, name("a"));
    // Reserved label types.
    let mut m = header(1, 0);
    m.extend_from_slice(&[0x41, 0, 0, 1, 0, 1]);
    assert_eq!(parse(&m), Err(DnsError::BadLabelType(0x40)));
}

#[test]
fn lengths_counts_and_trailing_bytes_are_checked() {
    assert_eq!(Packet::new_checked(&[0u8; 11][..]).err(), Some(DnsError::Truncated("header")));
    assert_eq!(Packet::new_checked(vec![0u8; 65_536]).err(), Some(DnsError::TooLong("message")));
    // 5 labels of 63: 320 bytes, beyond 255.
    let mut m = header(1, 0);
    for _ in 0..5 {
        m.push(63);
        m.extend_from_slice(&[b'a'; 63]);
    }
    m.extend_from_slice(&[0, 0, 1, 0, 1]);
    assert_eq!(parse(&m), Err(DnsError::NameTooLong));
    assert!(Name::from_dotted(&vec!["a".repeat(63); 4].join(".")).is_none());
    // A header counting more questions than there are.
    let mut m = query(1, "a.example", rtype::A).to_bytes().expect("emit");
    m[5] = 2;
    assert_eq!(parse(&m), Err(DnsError::Truncated("name")));
    // A count of 65 535 records with none present allocates nothing and fails.
    let mut m = header(0, u16::MAX);
    assert_eq!(parse(&m), Err(DnsError::Truncated("name")));
    m[7] = 0;
    m[6] = 0;
    m.push(0);
    assert_eq!(parse(&m), Err(DnsError::Trailing(1)));
    // Record data running past the end.
    let mut m = header(0, 1);
    m.extend_from_slice(&[0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 9, 1, 2]);
    assert_eq!(parse(&m), Err(DnsError::Truncated("record data")));
}
