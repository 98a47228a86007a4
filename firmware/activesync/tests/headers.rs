//! `MS-ASProtocolVersion` and `X-MS-PolicyKey`, alone and with a request.

mod common;

use common::Binary;
use postern_activesync::{
    ActiveSyncRequest, Field, HeaderError, Method, ParseError, ProtocolVersion, parse_policy_key,
};

#[test]
fn protocol_versions() {
    let table = [
        ("2.5", ProtocolVersion::V2_5, 25),
        ("12.0", ProtocolVersion::V12_0, 120),
        ("12.1", ProtocolVersion::V12_1, 121),
        ("14.0", ProtocolVersion::V14_0, 140),
        ("14.1", ProtocolVersion::V14_1, 141),
        ("16.0", ProtocolVersion::V16_0, 160),
        ("16.1", ProtocolVersion::V16_1, 161),
    ];
    for (text, version, byte) in table {
        assert_eq!(ProtocolVersion::parse(text.as_bytes()), Ok(version));
        assert_eq!(version.to_string(), text);
        assert_eq!(version.as_byte(), byte);
        assert_eq!(ProtocolVersion::from_byte(byte), Some(version));
        assert_eq!(version.allows_base64_query(), version >= ProtocolVersion::V12_1);
    }
    assert_eq!(ProtocolVersion::parse(b" 14.1\t"), Ok(ProtocolVersion::V14_1));
}

#[test]
fn unknown_protocol_versions_are_refused() {
    for bad in [&b"2.0"[..], b"2.1", b"14", b"14.10", b"16.2", b"1 4.0", b"14.0,16.1"] {
        assert_eq!(ProtocolVersion::parse(bad), Err(HeaderError::UnknownProtocolVersion), "{bad:?}");
    }
    assert_eq!(ProtocolVersion::parse(b"  "), Err(HeaderError::Empty));
}

#[test]
fn policy_keys() {
    assert_eq!(parse_policy_key(b"0"), Ok(0));
    assert_eq!(parse_policy_key(b"3942919513"), Ok(3_942_919_513));
    assert_eq!(parse_policy_key(b"4294967295"), Ok(u32::MAX));
    assert_eq!(parse_policy_key(b" 007 "), Ok(7));
    assert_eq!(parse_policy_key(b"4294967296"), Err(HeaderError::PolicyKeyOverflow));
    assert_eq!(parse_policy_key(b"00000000001"), Err(HeaderError::PolicyKeyOverflow));
    assert_eq!(parse_policy_key(b""), Err(HeaderError::Empty));
    assert_eq!(parse_policy_key(b" 12a"), Err(HeaderError::NotDecimal { offset: 3 }));
    assert_eq!(parse_policy_key(b"-1"), Err(HeaderError::NotDecimal { offset: 0 }));
    assert_eq!(parse_policy_key(b"+1"), Err(HeaderError::NotDecimal { offset: 0 }));
}

const PLAIN: &[u8] = b"/Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceId=d&DeviceType=t";

#[test]
fn headers_fill_the_plain_form() {
    let headers: [(&[u8], &[u8]); 2] = [(b"ms-asprotocolversion", b"16.1"), (b"X-MS-POLICYKEY", b"1234")];
    let req = ActiveSyncRequest::parse_with_headers(Method::Post, PLAIN, headers).expect("parses");
    assert_eq!(req.protocol_version(), Some(ProtocolVersion::V16_1));
    assert_eq!(req.policy_key(), Some(1234));
}

#[test]
fn bad_header_values_name_the_header() {
    let headers: [(&[u8], &[u8]); 1] = [(b"MS-ASProtocolVersion", b"99.9")];
    assert_eq!(
        ActiveSyncRequest::parse_with_headers(Method::Post, PLAIN, headers).err(),
        Some(ParseError::Header { name: "MS-ASProtocolVersion", source: HeaderError::UnknownProtocolVersion })
    );
    let headers: [(&[u8], &[u8]); 1] = [(b"X-MS-PolicyKey", b"abc")];
    assert_eq!(
        ActiveSyncRequest::parse_with_headers(Method::Post, PLAIN, headers).err(),
        Some(ParseError::Header { name: "X-MS-PolicyKey", source: HeaderError::NotDecimal { offset: 0 } })
    );
}

#[test]
fn headers_must_agree_with_the_base64_query() {
    let target = Binary { version: 141, policy_key: Some(77), ..Binary::default() }.target();
    let same: [(&[u8], &[u8]); 2] = [(b"MS-ASProtocolVersion", b"14.1"), (b"X-MS-PolicyKey", b"77")];
    let req = ActiveSyncRequest::parse_with_headers(Method::Post, target.as_bytes(), same).expect("agrees");
    assert_eq!(req.policy_key(), Some(77));
    let version: [(&[u8], &[u8]); 1] = [(b"MS-ASProtocolVersion", b"16.0")];
    assert_eq!(
        ActiveSyncRequest::parse_with_headers(Method::Post, target.as_bytes(), version).err(),
        Some(ParseError::ConflictingHeader { field: Field::ProtocolVersion })
    );
    let key: [(&[u8], &[u8]); 1] = [(b"X-MS-PolicyKey", b"78")];
    assert_eq!(
        ActiveSyncRequest::parse_with_headers(Method::Post, target.as_bytes(), key).err(),
        Some(ParseError::ConflictingHeader { field: Field::PolicyKey })
    );
}

#[test]
fn repeated_headers_must_agree() {
    let headers: [(&[u8], &[u8]); 2] = [(b"X-MS-PolicyKey", b"1"), (b"X-MS-PolicyKey", b"2")];
    assert_eq!(
        ActiveSyncRequest::parse_with_headers(Method::Post, PLAIN, headers).err(),
        Some(ParseError::ConflictingHeader { field: Field::PolicyKey })
    );
}
