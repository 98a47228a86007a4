//! The base64 query form: fields, parameters, device id mapping.

mod common;

use common::{Binary, target_for};
use postern_activesync::{
    ActiveSyncRequest, Command, DeviceIdSource, Method, ParameterName, ProtocolVersion, QueryForm,
};

/// Percent-escapes `+`, `/` and `=` in the query part of `target`.
fn escape_query(target: &str) -> String {
    let (path, query) = target.split_once('?').expect("has a query");
    let query = query.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D");
    format!("{path}?{query}")
}

fn parse(target: &str) -> ActiveSyncRequest {
    ActiveSyncRequest::parse(Method::Post, target.as_bytes()).expect("parses")
}

#[test]
fn all_fixed_fields() {
    let req = parse(
        &Binary {
            version: 161,
            command: 20,
            locale: 0x0407,
            device_id: b"Appl5K14358AA4S",
            policy_key: Some(3_942_919_513),
            device_type: b"iPad",
            ..Binary::default()
        }
        .target(),
    );
    assert_eq!(req.form(), QueryForm::Base64);
    assert_eq!(req.protocol_version(), Some(ProtocolVersion::V16_1));
    assert_eq!(req.command(), Some(Command::Provision));
    assert_eq!(req.locale(), Some(0x0407));
    assert_eq!(req.device_id(), Some("Appl5K14358AA4S"));
    assert_eq!(req.policy_key(), Some(3_942_919_513));
    assert_eq!(req.device_type(), Some("iPad"));
}

#[test]
fn every_base64_version_byte() {
    for (byte, version) in [
        (121, ProtocolVersion::V12_1),
        (140, ProtocolVersion::V14_0),
        (141, ProtocolVersion::V14_1),
        (160, ProtocolVersion::V16_0),
        (161, ProtocolVersion::V16_1),
    ] {
        let req = parse(&Binary { version: byte, ..Binary::default() }.target());
        assert_eq!(req.protocol_version(), Some(version));
    }
}

#[test]
fn tagged_parameters() {
    let req = parse(
        &Binary {
            command: 3,
            parameters: vec![
                (1, b"5".to_vec()),
                (3, b"5:17".to_vec()),
                (7, vec![0x03]),
                (8, b"jdoe@contoso.com".to_vec()),
                (4, b"RgAAAAD".to_vec()),
                (6, b"20260101T090000Z".to_vec()),
                (0, b"att.bin".to_vec()),
            ],
            ..Binary::default()
        }
        .target(),
    );
    assert_eq!(req.command(), Some(Command::SmartReply));
    assert_eq!(req.user(), Some("jdoe@contoso.com"));
    assert!(req.options().save_in_sent());
    assert!(req.options().accept_multi_part());
    assert_eq!(req.parameter(ParameterName::CollectionId), Some("5"));
    assert_eq!(req.parameter(ParameterName::ItemId), Some("5:17"));
    assert_eq!(req.parameter(ParameterName::LongId), Some("RgAAAAD"));
    assert_eq!(req.parameter(ParameterName::Occurrence), Some("20260101T090000Z"));
    assert_eq!(req.parameter(ParameterName::AttachmentName), Some("att.bin"));
    assert_eq!(req.parameters().count(), 5);
}

#[test]
fn empty_parameter_values_are_allowed_as_the_spec_says() {
    let req = parse(&Binary { parameters: vec![(3, Vec::new())], ..Binary::default() }.target());
    assert_eq!(req.parameter(ParameterName::ItemId), Some(""));
}

#[test]
fn binary_guid_device_id_becomes_upper_case_hex() {
    let guid = [0x3f, 0x25, 0x04, 0xe0, 0x4f, 0x89, 0x11, 0xd3, 0x9a, 0x0c, 0x03, 0x05, 0xe8, 0x2c, 0x33, 0x01];
    let req = parse(&Binary { device_id: &guid, ..Binary::default() }.target());
    assert_eq!(req.device_id(), Some("3F2504E04F8911D39A0C0305E82C3301"));
    assert_eq!(req.device_id_source(), DeviceIdSource::BinaryHex);
}

#[test]
fn short_binary_device_id_becomes_hex_too() {
    let req = parse(&Binary { device_id: &[0x00, 0xff, 0x10], ..Binary::default() }.target());
    assert_eq!(req.device_id(), Some("00FF10"));
}

#[test]
fn text_device_id_is_kept_as_sent() {
    let req = parse(&Binary { device_id: b"androidc123456789", ..Binary::default() }.target());
    assert_eq!(req.device_id(), Some("androidc123456789"));
    assert_eq!(req.device_id_source(), DeviceIdSource::Text);
}

#[test]
fn padding_may_be_missing_and_escaped() {
    // 11 bytes encode to 16 characters ending in "=": try with, without and escaped.
    let bytes = Binary { device_id: b"A", device_type: b"SP", ..Binary::default() }.bytes();
    let padded = target_for(&bytes);
    assert!(padded.ends_with('='), "{padded}");
    let unpadded = padded.trim_end_matches('=').to_owned();
    let escaped = escape_query(&padded);
    let expected = parse(&padded);
    for target in [unpadded, escaped] {
        assert_eq!(parse(&target), expected, "{target}");
    }
}

#[test]
fn escaped_plus_and_slash_in_base64() {
    // Device type "~~~" and the policy key 0xFBFFFFFF put '+' and '/' into the encoding.
    let binary = Binary { device_type: b"~~~?>", policy_key: Some(0xFBFF_FFFF), ..Binary::default() };
    let raw = binary.target();
    assert!(raw.contains('+') || raw.contains('/'), "{raw}");
    let escaped = escape_query(&raw);
    assert_ne!(escaped, raw);
    assert_eq!(parse(&escaped), parse(&raw));
    assert_eq!(parse(&raw).device_type(), Some("~~~?>"));
}
