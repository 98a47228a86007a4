//! Every message survives emit → parse; malformed frames are refused with the right error.

use postern_agent_wire::{Packet, Prefix, RefuseReason, Repr, Resource, WireError, frame_len};

fn intranet() -> Resource {
    Resource {
        name: "intranet".into(),
        service: "crm".into(),
        prefixes: vec!["10.1.0.0/16".parse().expect("prefix"), "fd00:1::/64".parse().expect("prefix")],
        ports: vec![443, 8443],
        names: vec!["intranet.corp.example".into(), "*.intranet.corp.example".into()],
    }
}

fn round_trip(repr: &Repr) {
    let frame = repr.to_frame().expect("emit");
    assert_eq!(frame.len(), repr.buffer_len());
    let mut buf = vec![0u8; frame.len()];
    assert_eq!(repr.emit(&mut buf).expect("emit into"), frame.len());
    assert_eq!(buf, frame);
    let header = frame.first_chunk::<5>().expect("header");
    assert_eq!(frame_len(header).expect("length"), frame.len());
    let packet = Packet::new_checked(&frame[..]).expect("checked");
    assert_eq!(&Repr::parse(&packet).expect("parse"), repr);
}

#[test]
fn every_message_round_trips() {
    for repr in [
        Repr::Hello { version: "0.1.0".into(), cookie: None },
        Repr::Hello { version: "0.1.0".into(), cookie: Some([7; 32]) },
        Repr::Welcome { session: 42, cookie: [9; 32], resources: vec![intranet()] },
        Repr::Welcome { session: 1, cookie: [0; 32], resources: vec![] },
        Repr::Refused { reason: RefuseReason::CookieUnknown, detail: "start again".into() },
        Repr::Refused { reason: RefuseReason::DeviceBlocked, detail: String::new() },
        Repr::Resources(vec![intranet(), Resource { ports: vec![], ..intranet() }]),
        Repr::Resources(vec![Resource { names: vec![], ..intranet() }, intranet()]),
        Repr::Resources(vec![Resource { names: vec![], ..intranet() }]),
        Repr::Revoked { reason: "operator-blocked".into() },
        Repr::Ping(u64::MAX),
        Repr::Pong(3),
    ] {
        round_trip(&repr);
    }
}

#[test]
fn the_largest_list_within_the_bounds_fits_a_frame() {
    let long = "n".repeat(64);
    let resource = Resource {
        name: long.clone(),
        service: long,
        prefixes: (0..32).map(|i| format!("fd00:{i:x}::/32").parse().expect("prefix")).collect(),
        ports: (1..=32).collect(),
        names: vec![],
    };
    let mut resources = vec![resource; 256];
    let label = "a".repeat(63);
    let longest = format!("{label}.{label}.{label}.{}", "b".repeat(61));
    assert_eq!(longest.len(), postern_agent_wire::MAX_DNS_NAME);
    for r in resources.iter_mut().take(postern_agent_wire::MAX_NAMES_TOTAL / 16) {
        r.names = vec![longest.clone(); 16];
    }
    round_trip(&Repr::Resources(resources.clone()));
    round_trip(&Repr::Welcome { session: u64::MAX, cookie: [1; 32], resources });
}

#[test]
fn a_list_without_names_is_the_layout_before_names() {
    let plain = Resource { names: vec![], ..intranet() };
    let frame = Repr::Resources(vec![plain.clone()]).to_frame().expect("emit");
    let named = Repr::Resources(vec![intranet()]).to_frame().expect("emit");
    // The named frame is the plain one plus the names section.
    assert_eq!(&named[5..frame.len()], &frame[5..]);
    let section = &named[frame.len()..];
    assert_eq!(section[0], 2);
    assert_eq!(usize::from(section[1]), "intranet.corp.example".len());
}

#[test]
fn dns_names_are_checked() {
    use postern_agent_wire::check_dns_name;
    for good in ["intranet.corp.example", "*.corp.example", "a-1.b2.example", "x.y"] {
        assert_eq!(check_dns_name(good), Ok(()), "{good}");
    }
    for bad in [
        "intranet",
        "*.example",
        "Intranet.corp.example",
        "intranet.corp.example.",
        "a..example",
        "-a.example",
        "a-.example",
        "a.*.example",
        "**.example.org",
        "a_b.example",
        &format!("{}.example", "a".repeat(64)),
        &format!("{}.example", ["a"; 130].join(".")),
    ] {
        assert!(check_dns_name(bad).is_err(), "{bad}");
    }
    let bad = Resource { names: vec!["not a name".into()], ..intranet() };
    assert!(matches!(Repr::Resources(vec![bad]).to_frame(), Err(WireError::Invalid { field: "dns name", .. })));
    let many = Resource { names: vec!["a.example".into(); 17], ..intranet() };
    assert!(matches!(Repr::Resources(vec![many]).to_frame(), Err(WireError::TooLong { field: "dns names", .. })));
    let each = Resource { names: vec!["a.example".into(); 16], ..intranet() };
    assert!(matches!(
        Repr::Resources(vec![each; 16]).to_frame(),
        Err(WireError::TooLong { field: "dns names", len: 256, .. })
    ));
    // A names section naming nothing has another encoding (none): refused.
    let mut frame = Repr::Resources(vec![Resource { names: vec![], ..intranet() }]).to_frame().expect("emit");
    frame.push(0);
    frame[3] += 1;
    assert!(matches!(
        Repr::parse(&Packet::new_checked(&frame[..]).expect("framing")),
        Err(WireError::Invalid { field: "dns names", .. })
    ));
}

#[test]
fn bounds_are_enforced_on_emit_and_parse() {
    let too_many = Repr::Resources(vec![intranet(); 257]);
    assert!(matches!(too_many.to_frame(), Err(WireError::TooLong { field: "resources", .. })));
    let long_name = Resource { name: "x".repeat(65), ..intranet() };
    assert!(matches!(Repr::Resources(vec![long_name]).to_frame(), Err(WireError::TooLong { .. })));
    let port_zero = Resource { ports: vec![0], ..intranet() };
    assert!(matches!(Repr::Resources(vec![port_zero]).to_frame(), Err(WireError::Invalid { field: "ports", .. })));
    assert!(matches!(
        Repr::Revoked { reason: "a\nb".into() }.to_frame(),
        Err(WireError::Invalid { detail: "control character", .. })
    ));
    // A resource count above the bound in the bytes themselves.
    let frame = [0, 0, 0, 3, 4, 0x01, 0x01];
    let packet = Packet::new_checked(&frame[..]).expect("framing is fine");
    assert!(matches!(Repr::parse(&packet), Err(WireError::TooLong { field: "resources", len: 257, .. })));
}

#[test]
fn malformed_frames_are_refused() {
    assert!(matches!(Packet::new_checked(&[0u8, 0, 0][..]), Err(WireError::Truncated { field: "header", .. })));
    assert!(matches!(Packet::new_checked(&[0u8, 0, 0, 0, 6][..]), Err(WireError::FrameLength(0))));
    assert!(matches!(Packet::new_checked(&[0u8, 4, 0, 1, 6][..]), Err(WireError::FrameLength(262_145))));
    assert!(matches!(Packet::new_checked(&[0u8, 0, 0, 9, 6, 1][..]), Err(WireError::Truncated { field: "body", .. })));
    let mut ping = Repr::Ping(1).to_frame().expect("ping");
    ping.push(0);
    assert!(matches!(Packet::new_checked(&ping[..]), Err(WireError::Trailing(1))));
    // A length that covers a byte more than the message: trailing inside the body.
    let mut ping = Repr::Ping(1).to_frame().expect("ping");
    ping[3] += 1;
    ping.push(0);
    let packet = Packet::new_checked(&ping[..]).expect("framing is fine");
    assert_eq!(Repr::parse(&packet), Err(WireError::Trailing(1)));
    let unknown = [0u8, 0, 0, 1, 99];
    assert_eq!(Repr::parse(&Packet::new_checked(&unknown[..]).expect("framing")), Err(WireError::UnknownType(99)));
    let reason = [0u8, 0, 0, 3, 3, 9, 0];
    assert_eq!(Repr::parse(&Packet::new_checked(&reason[..]).expect("framing")), Err(WireError::UnknownReason(9)));
    let flag = [0u8, 0, 0, 3, 1, 0, 2];
    assert!(matches!(
        Repr::parse(&Packet::new_checked(&flag[..]).expect("framing")),
        Err(WireError::Invalid { field: "cookie flag", .. })
    ));
    let short_cookie = [0u8, 0, 0, 5, 1, 0, 1, 7, 7];
    assert!(matches!(
        Repr::parse(&Packet::new_checked(&short_cookie[..]).expect("framing")),
        Err(WireError::Truncated { field: "cookie", .. })
    ));
}

#[test]
fn prefixes_are_checked() {
    assert!("10.1.0.0/16".parse::<Prefix>().is_ok());
    assert!("10.1.0.1/32".parse::<Prefix>().is_ok());
    assert!("0.0.0.0/0".parse::<Prefix>().is_ok());
    assert!(matches!("10.1.0.1/16".parse::<Prefix>(), Err(WireError::Invalid { detail: "host bits set", .. })));
    assert!(matches!("10.0.0.0/33".parse::<Prefix>(), Err(WireError::Invalid { .. })));
    assert!(matches!("fd00::/129".parse::<Prefix>(), Err(WireError::Invalid { .. })));
    assert!(matches!("10.0.0.0".parse::<Prefix>(), Err(WireError::Invalid { .. })));
    assert_eq!("fd00:1::/64".parse::<Prefix>().expect("v6").to_string(), "fd00:1::/64");
    // A prefix with host bits set, on the wire.
    let mut frame = Repr::Resources(vec![intranet()]).to_frame().expect("emit");
    let at = frame.windows(5).position(|w| w == [4, 10, 1, 0, 0]).expect("the v4 prefix");
    frame[at + 4] = 1;
    assert!(matches!(
        Repr::parse(&Packet::new_checked(&frame[..]).expect("framing")),
        Err(WireError::Invalid { detail: "host bits set", .. })
    ));
}

#[test]
fn frames_are_reassembled_byte_by_byte_and_bad_lengths_refused_early() {
    use postern_agent_wire::FrameBuffer;
    let mut stream = Repr::Ping(5).to_frame().expect("ping");
    stream.extend(Repr::Resources(vec![intranet()]).to_frame().expect("resources"));
    let mut frames = FrameBuffer::default();
    let mut out = Vec::new();
    for byte in &stream {
        frames.push(std::slice::from_ref(byte));
        while let Some(message) = frames.next_message().expect("valid") {
            out.push(message);
        }
    }
    assert_eq!(out, [Repr::Ping(5), Repr::Resources(vec![intranet()])]);
    assert!(!frames.is_partial());
    let mut frames = FrameBuffer::default();
    frames.push(&[0xff, 0xff, 0xff, 0xff, 6]);
    assert!(matches!(frames.next_message(), Err(WireError::FrameLength(_))));
}
