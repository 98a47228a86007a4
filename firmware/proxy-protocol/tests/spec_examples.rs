//! The examples and limits of HAProxy's proxy-protocol.txt.

use postern_proxy_protocol::{
    Addresses, Command, Framing, ProxyError, ProxyHeader, SIGNATURE, V1_MAX_LEN, Version, framing,
};
use proptest::prelude::*;
use std::net::SocketAddr;

fn sa(text: &str) -> SocketAddr {
    text.parse().expect("accepted")
}

/// Feeds `stream` to the framing loop the way a socket reader does; returns the header
/// and how many bytes it took.
fn read_header(stream: &[u8]) -> Result<(ProxyHeader, usize), ProxyError> {
    let mut have = 0;
    loop {
        match framing(&stream[..have])? {
            Framing::Need(more) if have + more > stream.len() => {
                return Err(ProxyError::Truncated { have: stream.len(), need: have + more });
            }
            Framing::Need(more) => have += more,
            Framing::Complete(len) => return Ok((ProxyHeader::parse(&stream[..len])?, len)),
        }
    }
}

#[test]
fn v1_worst_cases_from_the_spec_fit_in_107_bytes() {
    let tcp4 = b"PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
    let tcp6 =
        b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    let unknown = b"PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    assert_eq!((tcp4.len(), tcp6.len(), unknown.len()), (56, 104, 107));
    let h = ProxyHeader::parse(tcp4).expect("accepted");
    assert_eq!(
        h.addresses,
        Addresses::Tcp { source: sa("255.255.255.255:65535"), destination: sa("255.255.255.255:65535") }
    );
    assert_eq!(h.source(), Some(sa("255.255.255.255:65535")));
    assert_eq!(
        ProxyHeader::parse(tcp6).expect("accepted").source(),
        Some(sa("[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535"))
    );
    assert_eq!(ProxyHeader::parse(unknown).expect("accepted").addresses, Addresses::Unspecified);
    assert_eq!(ProxyHeader::parse(b"PROXY UNKNOWN\r\n").expect("accepted").addresses, Addresses::Unspecified);
    assert_eq!(unknown.len(), V1_MAX_LEN);
}

#[test]
fn v1_header_is_taken_exactly_and_the_rest_left_unread() {
    let stream = b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\nGET / HTTP/1.1\r\n";
    let (header, len) = read_header(stream).expect("accepted");
    assert_eq!(&stream[len..], b"GET / HTTP/1.1\r\n");
    assert_eq!(ProxyHeader::parse(stream), Err(ProxyError::TrailingBytes(16)));
    assert_eq!(header.version, Version::V1);
    assert_eq!(header.source(), Some(sa("192.168.0.1:56324")));
}

#[test]
fn v1_malformed_lines_are_refused() {
    for bad in [
        &b"PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n"[..],
        b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443 9\r\n",
        b"PROXY TCP4  192.168.0.1 192.168.0.11 56324 443\r\n",
        b"PROXY TCP4 ::1 192.168.0.11 56324 443\r\n",
        b"PROXY TCP6 192.168.0.1 ::1 56324 443\r\n",
        b"PROXY TCP4 192.168.0.1 192.168.0.11 65536 443\r\n",
        b"PROXY TCP4 192.168.0.1 192.168.0.11 0443 443\r\n",
        b"PROXY TCP4 192.168.0.1 192.168.0.11 +443 443\r\n",
        b"PROXY UDP4 192.168.0.1 192.168.0.11 1 2\r\n",
        b"PROXY TCP4 192.168.0.1 192.168.0.11 1 2\n\r\n",
        b"PROXY TCP4 192.168.0.1 192.168.0.11 1 2\r\r\n",
        b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n",
        b"PROXY UNKNOWNX\r\n",
    ] {
        assert!(read_header(bad).is_err(), "{:?} was accepted", String::from_utf8_lossy(bad));
    }
    let long = [b"PROXY UNKNOWN ".as_slice(), &[b'f'; 92], b"\r\n"].concat();
    assert_eq!(long.len(), 108);
    assert_eq!(read_header(&long).expect_err("refused"), ProxyError::V1TooLong { max: 107 });
}

fn v2(command: u8, family: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = SIGNATURE.to_vec();
    out.push(0x20 | command);
    out.push(family);
    out.extend_from_slice(&(payload.len() as u16).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

#[test]
fn v2_tcp4_and_tcp6_with_tlvs_skipped() {
    let mut inet = vec![192, 0, 2, 7, 198, 51, 100, 1, 0xdc, 0x04, 0x01, 0xbb];
    inet.extend_from_slice(&[0x01, 0x00, 0x02, b'h', b'2']); // ALPN "h2"
    inet.extend_from_slice(&[0x04, 0x00, 0x00]); // NOOP, empty
    let mut stream = v2(1, 0x11, &inet);
    let header_len = stream.len();
    stream.extend_from_slice(b"\x16\x03\x01");
    let (header, len) = read_header(&stream).expect("accepted");
    assert_eq!(len, header_len);
    assert_eq!(header.command, Command::Proxy);
    assert_eq!(header.addresses, Addresses::Tcp { source: sa("192.0.2.7:56324"), destination: sa("198.51.100.1:443") });

    let mut inet6 = [0u8; 36];
    inet6[15] = 1;
    inet6[16] = 0x20;
    inet6[17] = 0x01;
    inet6[32..34].copy_from_slice(&1234u16.to_be_bytes());
    inet6[34..36].copy_from_slice(&443u16.to_be_bytes());
    let header = ProxyHeader::parse(&v2(1, 0x21, &inet6)).expect("accepted");
    assert_eq!(header.source(), Some(sa("[::1]:1234")));
}

#[test]
fn v2_local_ignores_its_address_block() {
    let header = ProxyHeader::parse(&v2(0, 0x11, &[0; 12])).expect("accepted");
    assert_eq!((header.command, header.addresses), (Command::Local, Addresses::Unspecified));
    let header = ProxyHeader::parse(&v2(0, 0x00, &[])).expect("accepted");
    assert_eq!(header.source(), None);
}

#[test]
fn v2_invalid_headers_are_refused() {
    assert_eq!(ProxyHeader::parse(&v2(2, 0x11, &[0; 12])), Err(ProxyError::V2Command(2)));
    assert_eq!(ProxyHeader::parse(&v2(1, 0x13, &[0; 12])), Err(ProxyError::V2Family(0x13)));
    assert_eq!(ProxyHeader::parse(&v2(1, 0x41, &[0; 12])), Err(ProxyError::V2Family(0x41)));
    assert_eq!(ProxyHeader::parse(&v2(1, 0x21, &[0; 12])), Err(ProxyError::V2AddressesTruncated { len: 12, need: 36 }));
    let mut bad_tlv = vec![0u8; 12];
    bad_tlv.extend_from_slice(&[0x01, 0x00, 0x09, b'x']);
    assert_eq!(ProxyHeader::parse(&v2(1, 0x11, &bad_tlv)), Err(ProxyError::V2TlvTruncated));
    let mut wrong_version = v2(1, 0x11, &[0; 12]);
    wrong_version[12] = 0x11;
    assert_eq!(ProxyHeader::parse(&wrong_version), Err(ProxyError::V2Version(1)));
    let huge = v2(1, 0x11, &[0; 2000]);
    assert!(matches!(read_header(&huge), Err(ProxyError::V2TooLong { len: 2016, .. })));
}

fn socket_pair() -> impl Strategy<Value = (SocketAddr, SocketAddr)> {
    prop_oneof![
        (any::<[u8; 4]>(), any::<[u8; 4]>(), any::<u16>(), any::<u16>())
            .prop_map(|(s, d, sp, dp)| (SocketAddr::from((s, sp)), SocketAddr::from((d, dp)))),
        (any::<[u8; 16]>(), any::<[u8; 16]>(), any::<u16>(), any::<u16>())
            .prop_map(|(s, d, sp, dp)| (SocketAddr::from((s, sp)), SocketAddr::from((d, dp)))),
    ]
}

proptest! {
    #[test]
    fn emit_then_parse_gives_the_header_back((source, destination) in socket_pair(), v1 in any::<bool>(), udp in any::<bool>()) {
        let addresses = if udp && !v1 { Addresses::Udp { source, destination } } else { Addresses::Tcp { source, destination } };
        let header = ProxyHeader { version: if v1 { Version::V1 } else { Version::V2 }, command: Command::Proxy, addresses };
        let mut buf = [0u8; 128];
        let len = header.emit(&mut buf).expect("accepted");
        prop_assert_eq!(len, header.buffer_len());
        prop_assert_eq!(read_header(&buf[..len]).expect("accepted"), (header, len));
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_never_overread(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok((_, len)) = read_header(&bytes) {
            prop_assert!(len <= bytes.len());
        }
        let _ = ProxyHeader::parse(&bytes);
    }
}
