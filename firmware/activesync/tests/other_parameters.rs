//! Parameters outside MS-ASHTTP's list: accepted within bounds and left for the back end;
//! `PolicyKey` in the query is read like the header. The identity parameters stay strict.

use postern_activesync::{
    ActiveSyncRequest, Field, HeaderError, MAX_OTHER_NAME_LEN, MAX_OTHER_PARAMETERS, MAX_OTHER_VALUE_LEN, Method,
    ParseError,
};

const CORE: &str =
    "/Microsoft-Server-ActiveSync?Cmd=Provision&User=alice%40example.com&DeviceId=Dev1&DeviceType=iPhone";

fn post(query_tail: &str) -> Result<ActiveSyncRequest, ParseError> {
    ActiveSyncRequest::parse(Method::Post, format!("{CORE}{query_tail}").as_bytes())
}

fn with_key_header(query_tail: &str, key: &str) -> Result<ActiveSyncRequest, ParseError> {
    let headers: [(&[u8], &[u8]); 1] = [(b"X-MS-PolicyKey", key.as_bytes())];
    ActiveSyncRequest::parse_with_headers(Method::Post, format!("{CORE}{query_tail}").as_bytes(), headers)
}

#[test]
fn a_second_provision_as_a_real_client_sends_it() {
    // The request line of pyactivesync 0.17's second Provision (requests' urlencode order).
    let target = b"/Microsoft-Server-ActiveSync?Cmd=Provision&User=alice%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone&PolicyKey=1307199584";
    let req = ActiveSyncRequest::parse(Method::Post, target).expect("accepted");
    assert_eq!(req.policy_key(), Some(1_307_199_584));
    assert_eq!(req.device_id(), Some("ApplA1B2C3D4E5F6"));
    assert_eq!(req.other_parameters(), 0);
}

#[test]
fn policy_key_in_the_query_is_read_like_the_header() {
    assert_eq!(post("&policykey=0").expect("accepted").policy_key(), Some(0));
    assert_eq!(post("&PolicyKey=4294967295").expect("accepted").policy_key(), Some(u32::MAX));
    assert_eq!(with_key_header("&PolicyKey=42", " 42 ").expect("accepted").policy_key(), Some(42));
    // Provisioning again: the old key in the header, the new temporary one in the query.
    assert_eq!(with_key_header("&PolicyKey=42", "43").expect("accepted").policy_key(), Some(42));
    assert_eq!(with_key_header("", "43").expect("accepted").policy_key(), Some(43));
    assert!(matches!(with_key_header("&PolicyKey=42", "x"), Err(ParseError::Header { name: "X-MS-PolicyKey", .. })));
    let two_headers: [(&[u8], &[u8]); 2] = [(b"X-MS-PolicyKey", b"1"), (b"x-ms-policykey", b"2")];
    assert_eq!(
        ActiveSyncRequest::parse_with_headers(Method::Post, format!("{CORE}&PolicyKey=42").as_bytes(), two_headers),
        Err(ParseError::ConflictingHeader { field: Field::PolicyKey })
    );
    assert_eq!(
        post("&PolicyKey=4294967296"),
        Err(ParseError::InvalidPolicyKey { offset: CORE.len() + 11, source: HeaderError::PolicyKeyOverflow })
    );
    assert_eq!(
        post("&PolicyKey=-1"),
        Err(ParseError::InvalidPolicyKey { offset: CORE.len() + 11, source: HeaderError::NotDecimal { offset: 0 } })
    );
    assert!(matches!(post("&PolicyKey="), Err(ParseError::Empty { field: Field::PolicyKey, .. })));
    assert!(matches!(
        post("&PolicyKey=1&POLICYKEY=1"),
        Err(ParseError::DuplicateParameter { field: Field::PolicyKey, .. })
    ));
}

#[test]
fn other_parameters_are_accepted_counted_and_not_read() {
    let req = post("&Protocol=16.1&x-client_v.2=a%20b+c&Empty=&Flag=1&Flag=2").expect("accepted");
    assert_eq!(req.other_parameters(), 5);
    assert_eq!(req.device_id(), Some("Dev1"));
    assert_eq!(req.policy_key(), None);
    // OPTIONS carries them too.
    let options = ActiveSyncRequest::parse(Method::Options, b"/Microsoft-Server-ActiveSync?Foo=bar").expect("accepted");
    assert_eq!(options.other_parameters(), 1);
}

#[test]
fn other_parameters_are_bounded_in_count_and_size() {
    let at_limit: String = (0..MAX_OTHER_PARAMETERS).map(|i| format!("&P{i}=v")).collect();
    assert_eq!(post(&at_limit).expect("accepted").other_parameters(), MAX_OTHER_PARAMETERS);
    let over = format!("{at_limit}&Last=v");
    assert_eq!(
        post(&over),
        Err(ParseError::TooManyParameters { max: MAX_OTHER_PARAMETERS, offset: CORE.len() + at_limit.len() + 1 })
    );
    let name = "N".repeat(MAX_OTHER_NAME_LEN);
    assert!(post(&format!("&{name}=v")).is_ok());
    assert_eq!(
        post(&format!("&{name}N=v")),
        Err(ParseError::InvalidParameterName { offset: CORE.len() + 1, max: MAX_OTHER_NAME_LEN })
    );
    let value = "v".repeat(MAX_OTHER_VALUE_LEN);
    assert!(post(&format!("&Long={value}")).is_ok());
    assert!(matches!(post(&format!("&Long={value}v")), Err(ParseError::TooLong { field: Field::Other, .. })));
    // Escapes count after decoding: 256 escaped bytes fit, 257 do not.
    assert!(post(&format!("&Long={}", "%41".repeat(MAX_OTHER_VALUE_LEN))).is_ok());
}

#[test]
fn names_that_could_decode_to_another_name_are_refused() {
    // A server that decodes names would read these as a second DeviceId or User.
    for tail in ["&%44eviceId=Other", "&Device%49d=Other", "&User+=bob", "&Dev[]=x", "&=x", "&Näme=x"] {
        assert!(
            matches!(post(tail), Err(ParseError::InvalidParameterName { .. } | ParseError::InvalidTargetByte { .. })),
            "{tail}: {:?}",
            post(tail)
        );
    }
}

#[test]
fn other_values_must_decode_to_text() {
    for (tail, field) in [("&Foo=%0A", Field::Other), ("&Foo=%FF", Field::Other), ("&Foo=a%00b", Field::Other)] {
        assert!(matches!(post(tail), Err(ParseError::InvalidCharacter { field: f, .. }) if f == field), "{tail}");
    }
    assert!(matches!(post("&Foo=%4"), Err(ParseError::BadPercentEncoding { field: Field::Other, .. })));
    assert!(matches!(post("&Foo"), Err(ParseError::MalformedParameter { .. })));
}

#[test]
fn identity_parameters_stay_strict_among_others() {
    for (tail, field) in [
        ("&Extra=1&deviceid=Dev2", Field::DeviceId),
        ("&Extra=1&USER=bob", Field::User),
        ("&Extra=1&DeviceType=Android", Field::DeviceType),
        ("&Extra=1&Cmd=Sync", Field::Command),
    ] {
        assert!(matches!(post(tail), Err(ParseError::DuplicateParameter { field: f, .. }) if f == field), "{tail}");
    }
    assert!(matches!(
        ActiveSyncRequest::parse(Method::Post, b"/Microsoft-Server-ActiveSync?Cmd=Sync&User=u&DeviceType=t&Extra=1"),
        Err(ParseError::Missing { field: Field::DeviceId })
    ));
}
