//! Table-driven malformed inputs: each gives the typed error that names what is wrong.

mod common;

use common::{Binary, target_for};
use postern_activesync::{ActiveSyncRequest, Field, Method, ParameterName, ParseError, ProtocolVersion};

const Q: &str = "/Microsoft-Server-ActiveSync?";

fn post(target: &str) -> Result<ActiveSyncRequest, ParseError> {
    ActiveSyncRequest::parse(Method::Post, target.as_bytes())
}

#[test]
fn plain_form_errors() {
    let core = "Cmd=Sync&User=u&DeviceId=d&DeviceType=t";
    let cases: Vec<(String, ParseError)> = vec![
        ("/Microsoft-Server-ActiveSync".into(), ParseError::MissingQuery),
        (format!("{Q}Cmd=Sync&User=u&DeviceId=d"), ParseError::Missing { field: Field::DeviceType }),
        (format!("{Q}User=u&DeviceId=d&DeviceType=t"), ParseError::Missing { field: Field::Command }),
        (format!("{Q}Cmd=Sync&DeviceId=d&DeviceType=t"), ParseError::Missing { field: Field::User }),
        (format!("{Q}Cmd=Sync&User=u&DeviceType=t"), ParseError::Missing { field: Field::DeviceId }),
        (format!("{Q}Cmd=Sync&User"), ParseError::MalformedParameter { offset: 38 }),
        (format!("{Q}{core}&F%6Fo=1"), ParseError::InvalidParameterName { offset: 69, max: 32 }),
        (format!("{Q}Cmd=Sync&cmd=Ping"), ParseError::DuplicateParameter { field: Field::Command, offset: 38 }),
        (
            format!("{Q}{core}&ItemId=1&itemid=2"),
            ParseError::DuplicateParameter { field: Field::Parameter(ParameterName::ItemId), offset: 78 },
        ),
        (format!("{Q}Cmd=Launch"), ParseError::UnknownCommand { offset: 33 }),
        (format!("{Q}Cmd=ResolveRecipientsX"), ParseError::UnknownCommand { offset: 33 }),
        (format!("{Q}Cmd=&User=u"), ParseError::Empty { field: Field::Command, offset: 33 }),
        (format!("{Q}Cmd=Sync&User=a%2"), ParseError::BadPercentEncoding { field: Field::User, offset: 44 }),
        (format!("{Q}Cmd=Sync&User=a%zz"), ParseError::BadPercentEncoding { field: Field::User, offset: 44 }),
        (format!("{Q}Cmd=Sync&User=a%0Ab"), ParseError::InvalidCharacter { field: Field::User, offset: 43 }),
        (format!("{Q}Cmd=Sync&User=a%FF"), ParseError::InvalidCharacter { field: Field::User, offset: 43 }),
        (
            format!("{Q}Cmd=Sync&User={}", "u".repeat(257)),
            ParseError::TooLong { field: Field::User, max: 256, offset: 43 },
        ),
        (
            format!("{Q}Cmd=Sync&DeviceId={}", "A".repeat(33)),
            ParseError::TooLong { field: Field::DeviceId, max: 32, offset: 47 },
        ),
        (format!("{Q}Cmd=Sync&DeviceId=ab-cd"), ParseError::InvalidCharacter { field: Field::DeviceId, offset: 47 }),
        (format!("{Q}Cmd=Sync&DeviceId=ab%20cd"), ParseError::InvalidCharacter { field: Field::DeviceId, offset: 47 }),
        (format!("{Q}Cmd=Sync&DeviceType=a+b"), ParseError::InvalidCharacter { field: Field::DeviceType, offset: 49 }),
        (
            format!("{Q}Cmd=Sync&DeviceType={}", "T".repeat(65)),
            ParseError::TooLong { field: Field::DeviceType, max: 64, offset: 49 },
        ),
        (format!("{Q}{core}&SaveInSent=yes"), ParseError::InvalidSaveInSent { offset: 80 }),
        (
            format!("{Q}{core}&LongId={}", "L".repeat(257)),
            ParseError::TooLong { field: Field::Parameter(ParameterName::LongId), max: 256, offset: 76 },
        ),
    ];
    let failures: Vec<_> = cases
        .into_iter()
        .map(|(target, expected)| (post(&target).err(), Some(expected), target))
        .filter(|(got, expected, _)| got != expected)
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn parameter_bytes_are_bounded_in_total() {
    let v = "v".repeat(250);
    let target = format!(
        "{Q}Cmd=Sync&User=u&DeviceId=d&DeviceType=t&ItemId={v}&LongId={v}&CollectionId={v}&ParentId={v}&Occurrence={v}"
    );
    assert!(matches!(post(&target), Err(ParseError::ParametersTooLong { max: 1024, .. })));
}

#[test]
fn target_errors() {
    let cases: Vec<(Vec<u8>, ParseError)> = vec![
        (b"/Microsoft-Server-ActiveSyn?Cmd=Sync".to_vec(), ParseError::WrongPath { offset: 27 }),
        (b"/Microsoft-Server-ActiveSyncX".to_vec(), ParseError::WrongPath { offset: 28 }),
        (b"/Microsoft-Server-ActiveSync//".to_vec(), ParseError::WrongPath { offset: 29 }),
        (b"/Microsoft-Server-ActiveSync/x".to_vec(), ParseError::WrongPath { offset: 29 }),
        (b"/owa/?Cmd=Sync".to_vec(), ParseError::WrongPath { offset: 1 }),
        (b"https://host/Microsoft-Server-ActiveSync".to_vec(), ParseError::WrongPath { offset: 0 }),
        (b"".to_vec(), ParseError::WrongPath { offset: 0 }),
        (b"/Microsoft-Server-ActiveSync?Cmd=Sync#x".to_vec(), ParseError::InvalidTargetByte { byte: b'#', offset: 37 }),
        (b"/Microsoft-Server-ActiveSync?Cmd=Sy nc".to_vec(), ParseError::InvalidTargetByte { byte: b' ', offset: 35 }),
        (b"/Microsoft-Server-ActiveSync?\xc3\xa9".to_vec(), ParseError::InvalidTargetByte { byte: 0xc3, offset: 29 }),
        (
            format!("{Q}Cmd=Sync&User={}", "u".repeat(2100)).into_bytes(),
            ParseError::TargetTooLong { len: 2143, max: 2078 },
        ),
    ];
    let failures: Vec<_> = cases
        .into_iter()
        .map(|(target, expected)| {
            let got = ActiveSyncRequest::parse(Method::Post, &target).err();
            (got, Some(expected), String::from_utf8_lossy(&target).into_owned())
        })
        .filter(|(got, expected, _)| got != expected)
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn base64_form_errors() {
    let ok = Binary::default();
    let base = ok.bytes();
    let cases: Vec<(Vec<u8>, ParseError)> = vec![
        (vec![], ParseError::MissingQuery),
        (vec![141], ParseError::Truncated { field: Field::Command, decoded_offset: 1 }),
        (vec![141, 0, 9], ParseError::Truncated { field: Field::Locale, decoded_offset: 2 }),
        (vec![141, 0, 9, 4], ParseError::Truncated { field: Field::DeviceId, decoded_offset: 4 }),
        (vec![141, 0, 9, 4, 3, b'a'], ParseError::Truncated { field: Field::DeviceId, decoded_offset: 4 }),
        (vec![141, 0, 9, 4, 1, b'a'], ParseError::Truncated { field: Field::PolicyKey, decoded_offset: 6 }),
        (vec![141, 0, 9, 4, 1, b'a', 4, 1, 2], ParseError::Truncated { field: Field::PolicyKey, decoded_offset: 6 }),
        (vec![141, 0, 9, 4, 1, b'a', 0], ParseError::Truncated { field: Field::DeviceType, decoded_offset: 7 }),
        (
            vec![141, 0, 9, 4, 1, b'a', 0, 5, b'x'],
            ParseError::Truncated { field: Field::DeviceType, decoded_offset: 7 },
        ),
        (vec![141, 0, 9, 4, 1, b'a', 0, 0], ParseError::Empty { field: Field::DeviceType, offset: 7 }),
        (
            vec![141, 0, 9, 4, 1, b'a', 0, 2, b'a', b' '],
            ParseError::InvalidCharacter { field: Field::DeviceType, offset: 7 },
        ),
        (vec![99, 0, 9, 4], ParseError::UnknownProtocolVersionByte { value: 99 }),
        (vec![25, 0, 9, 4], ParseError::Base64NotAllowed { version: ProtocolVersion::V2_5 }),
        (vec![120, 0, 9, 4], ParseError::Base64NotAllowed { version: ProtocolVersion::V12_0 }),
        (vec![141, 5, 9, 4], ParseError::UnknownCommandCode { code: 5 }),
        (vec![141, 23, 9, 4], ParseError::UnknownCommandCode { code: 23 }),
        (vec![141, 0, 9, 4, 0], ParseError::EmptyDeviceId),
        (vec![141, 0, 9, 4, 1, b'a', 2, 0, 0], ParseError::InvalidPolicyKeyLength { len: 2, decoded_offset: 6 }),
        ([&base[..], &[9, 0]].concat(), ParseError::UnknownParameterTag { tag: 9, decoded_offset: base.len() }),
        (
            [&base[..], &[3]].concat(),
            ParseError::Truncated { field: Field::Parameter(ParameterName::ItemId), decoded_offset: base.len() },
        ),
        (
            [&base[..], &[3, 4, b'a']].concat(),
            ParseError::Truncated { field: Field::Parameter(ParameterName::ItemId), decoded_offset: base.len() },
        ),
        ([&base[..], &[7, 2, 1, 1]].concat(), ParseError::InvalidOptionsLength { len: 2, decoded_offset: base.len() }),
        ([&base[..], &[8, 0]].concat(), ParseError::Empty { field: Field::User, offset: base.len() }),
        (
            [&base[..], &[8, 2, b'a', 0x07]].concat(),
            ParseError::InvalidCharacter { field: Field::User, offset: base.len() },
        ),
        (
            [&base[..], &[3, 1, 0xff]].concat(),
            ParseError::InvalidCharacter { field: Field::Parameter(ParameterName::ItemId), offset: base.len() },
        ),
        (
            [&base[..], &[3, 1, b'a', 3, 1, b'b']].concat(),
            ParseError::DuplicateParameter { field: Field::Parameter(ParameterName::ItemId), offset: base.len() + 3 },
        ),
    ];
    let failures: Vec<_> = cases
        .into_iter()
        .map(|(bytes, expected)| (post(&target_for(&bytes)).err(), Some(expected), bytes))
        .filter(|(got, expected, _)| got != expected)
        .collect();
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn device_id_bounds_in_the_base64_form() {
    let long_text = [b'A'; 33];
    let long_binary = [0xAB; 17];
    for (id, max) in [(&long_text[..], 16), (&long_binary[..], 16)] {
        let target = Binary { device_id: id, ..Binary::default() }.target();
        assert_eq!(post(&target).err(), Some(ParseError::TooLong { field: Field::DeviceId, max, offset: 4 }));
    }
}

#[test]
fn bad_base64() {
    let cases = [
        (format!("{Q}jAAJBAp2MTQwRGV2aWNl!!!"), ParseError::InvalidBase64 { offset: 49 }),
        (format!("{Q}jAAJ-Ap2"), ParseError::InvalidBase64 { offset: 33 }),
        (format!("{Q}jAAJB"), ParseError::InvalidBase64 { offset: 29 }),
        (format!("{Q}jAAJ%ZZ"), ParseError::InvalidBase64 { offset: 29 }),
    ];
    for (target, expected) in cases {
        assert_eq!(post(&target).err(), Some(expected), "{target}");
    }
}

#[test]
fn errors_render_their_context() {
    let err = post(&format!("{Q}Cmd=Sync&User=a%zz")).expect_err("fails");
    assert_eq!(err.to_string(), "bad percent-encoding in User at offset 44");
    let err = post(&target_for(&[141, 0, 9, 4, 1, b'a', 2])).expect_err("fails");
    assert_eq!(err.to_string(), "policy key length 2 is neither 0 nor 4 (decoded offset 6)");
}
