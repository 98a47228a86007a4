//! Byte vectors laid out as strongSwan's libpttls, libtnccs and libimcv write them
//! (pt_tls.c, pb_tnc_batch.c, pa_tnc_msg.c and the ietf_attr_*.c / tcg_seg_attr_*.c
//! builders), parsed and re-emitted byte for byte.

use postern_tnc_wire::{
    Limits, RemediationParameters, WireError,
    pa::{Attribute, AttributeType, ForwardingEnabled, PaMessageRepr, Package, PortFilterEntry, ietf_type},
    pb::{AccessRecommendation, AssessmentResult, BatchRepr, BatchType, PbMessage, PbPa},
    pt_tls::{PtTlsBody, PtTlsRepr},
};

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

#[test]
fn pt_tls_version_request_as_strongswan_client_sends_it() {
    // reserved, vendor 0, type 1, length 20, identifier 0; value: reserved, min 1, max 1, pref 1
    let bytes = hex("00000000 00000001 00000014 00000000 00010101");
    let repr = PtTlsRepr::parse_bytes(&bytes, &Limits::DEFAULT).expect("parses");
    assert_eq!(repr, PtTlsRepr { identifier: 0, body: PtTlsBody::VersionRequest { min: 1, max: 1, preferred: 1 } });
    assert_eq!(repr.to_bytes().expect("emits"), bytes);
}

#[test]
fn pt_tls_version_response_and_empty_sasl_mechanisms() {
    let response = hex("00000000 00000002 00000014 00000000 00000001");
    let repr = PtTlsRepr::parse_bytes(&response, &Limits::DEFAULT).expect("parses");
    assert_eq!(repr.body, PtTlsBody::VersionResponse(1));
    assert_eq!(repr.to_bytes().expect("emits"), response);
    // strongSwan ends the authentication phase with an empty mechanism list.
    let empty = hex("00000000 00000003 00000010 00000001");
    let repr = PtTlsRepr::parse_bytes(&empty, &Limits::DEFAULT).expect("parses");
    assert_eq!(repr.body, PtTlsBody::SaslMechanisms(vec![]));
    assert_eq!(repr.to_bytes().expect("emits"), empty);
}

#[test]
fn pt_tls_sasl_mechanisms_use_a_five_bit_length() {
    let bytes = hex("00000000 00000003 0000001b 00000002 05 504c41494e 04 54455354");
    let repr = PtTlsRepr::parse_bytes(&bytes, &Limits::DEFAULT).expect("parses");
    assert_eq!(repr.body, PtTlsBody::SaslMechanisms(vec!["PLAIN".into(), "TEST".into()]));
    assert_eq!(repr.to_bytes().expect("emits"), bytes);
    let lower = hex("00000000 00000003 00000016 00000002 05 706c61696e");
    assert!(PtTlsRepr::parse_bytes(&lower, &Limits::DEFAULT).is_err(), "SASL names are upper case");
}

#[test]
fn pt_tls_lengths_are_checked_before_reading() {
    let short = hex("00000000 00000001 0000000f 00000000");
    assert!(matches!(PtTlsRepr::parse_bytes(&short, &Limits::DEFAULT), Err(WireError::Invalid { .. })));
    let huge = hex("00000000 00000007 7fffffff 00000000");
    let header: [u8; 16] = huge[..16].try_into().expect("16");
    assert!(matches!(postern_tnc_wire::pt_tls::frame_len(&header, &Limits::DEFAULT), Err(WireError::TooLarge { .. })));
    let mismatch = hex("00000000 00000001 00000018 00000000 00010101");
    assert!(matches!(PtTlsRepr::parse_bytes(&mismatch, &Limits::DEFAULT), Err(WireError::LengthMismatch { .. })));
}

#[test]
fn pt_tls_unknown_ietf_type_is_refused_and_vendor_types_are_kept() {
    let unknown = hex("00000000 00000063 00000010 00000000");
    assert!(matches!(PtTlsRepr::parse_bytes(&unknown, &Limits::DEFAULT), Err(WireError::UnsupportedMandatory { .. })));
    let vendor = hex("00000009 00000001 00000012 00000005 abcd");
    let repr = PtTlsRepr::parse_bytes(&vendor, &Limits::DEFAULT).expect("parses");
    assert_eq!(repr.body, PtTlsBody::Vendor { vendor_id: 9, message_type: 1, value: vec![0xab, 0xcd] });
    assert_eq!(repr.to_bytes().expect("emits"), vendor);
}

#[test]
fn pb_tnc_result_batch_as_strongswan_server_writes_it() {
    // version 2, D flag, type RESULT, length; Assessment-Result (NOSKIP) major
    // non-compliance; Access-Recommendation no access; Reason-String "x" in "en".
    let bytes = hex("02 80 00 03 0000003c
         80 000000 00000002 00000010 00000002
         00 000000 00000003 00000010 0000 0002
         00 000000 00000007 00000014 00000001 78 02 656e");
    let batch = BatchRepr::parse_bytes(&bytes, &Limits::DEFAULT).expect("parses");
    assert_eq!(
        batch,
        BatchRepr {
            from_server: true,
            batch_type: BatchType::Result,
            messages: vec![
                PbMessage::AssessmentResult(AssessmentResult::MajorNonCompliance),
                PbMessage::AccessRecommendation(AccessRecommendation::NoAccess),
                PbMessage::ReasonString { reason: "x".into(), language: "en".into() },
            ],
        }
    );
    assert_eq!(batch.to_bytes().expect("emits"), bytes);
}

#[test]
fn pb_tnc_cdata_with_pa_and_language_preference() {
    let pa_body = hex("01000000 00000007");
    let batch = BatchRepr {
        from_server: false,
        batch_type: BatchType::Cdata,
        messages: vec![
            PbMessage::LanguagePreference("Accept-Language: en".into()),
            PbMessage::Pa(PbPa {
                exclusive: false,
                vendor_id: 0,
                subtype: 1,
                collector_id: 1,
                validator_id: 0xffff,
                body: pa_body.clone(),
            }),
        ],
    };
    let bytes = batch.to_bytes().expect("emits");
    assert_eq!(&bytes[..8], &hex("02 00 00 01 00000047")[..]);
    // PB-PA: NOSKIP set, length 12 + 12 + 8; flags 0, vendor 0, subtype 1, ids 1 / 0xffff.
    assert_eq!(&bytes[39..], &hex("80000000 00000001 00000020 00000000 00000001 0001ffff 01000000 00000007")[..]);
    assert_eq!(BatchRepr::parse_bytes(&bytes, &Limits::DEFAULT).expect("parses"), batch);
}

#[test]
fn pb_tnc_refuses_what_strongswan_refuses() {
    let limits = Limits::DEFAULT;
    // Version 1.
    assert!(matches!(BatchRepr::parse_bytes(&hex("01 00 00 01 00000008"), &limits), Err(WireError::Version { .. })));
    // Batch type 7.
    assert!(BatchRepr::parse_bytes(&hex("02 00 00 07 00000008"), &limits).is_err());
    // Length field disagrees.
    assert!(BatchRepr::parse_bytes(&hex("02 00 00 01 00000009"), &limits).is_err());
    // SDATA without the D flag.
    assert!(BatchRepr::parse_bytes(&hex("02 00 00 02 00000008"), &limits).is_err());
    // PB-PA without NOSKIP.
    let no_noskip = hex("02 00 00 01 00000020 00000000 00000001 00000018 00000000 00000001 0001ffff");
    assert!(BatchRepr::parse_bytes(&no_noskip, &limits).is_err());
    // Unknown vendor message with NOSKIP, and the same skippable: kept as Unknown.
    let noskip = hex("02 00 00 01 00000014 80000009 00000001 0000000c");
    assert!(matches!(BatchRepr::parse_bytes(&noskip, &limits), Err(WireError::UnsupportedMandatory { .. })));
    let skippable = hex("02 00 00 01 00000014 00000009 00000001 0000000c");
    let batch = BatchRepr::parse_bytes(&skippable, &limits).expect("parses");
    assert_eq!(batch.messages, vec![PbMessage::Unknown { vendor_id: 9, kind: 1, value: vec![] }]);
    // A result message in a CDATA batch from a client.
    let result_from_client = hex("02 00 00 01 00000018 80000000 00000002 00000010 00000000");
    assert!(BatchRepr::parse_bytes(&result_from_client, &limits).is_err());
}

#[test]
fn pb_error_version_not_supported_layout() {
    // strongSwan: bad version, max 2, min 2, reserved.
    let bytes = hex("02 80 00 06 00000020 80000000 00000005 00000018 80000000 00040000 01020200");
    let batch = BatchRepr::parse_bytes(&bytes, &Limits::DEFAULT).expect("parses");
    assert_eq!(batch.to_bytes().expect("emits"), bytes);
}

#[test]
fn pa_tnc_os_attributes_as_libimcv_writes_them() {
    let message = PaMessageRepr {
        identifier: 0x0102_0304,
        attributes: vec![
            Attribute::ProductInformation { vendor_id: 0, product_id: 0, name: "debian".into() },
            Attribute::StringVersion { version: "12".into(), build: "6.1.0".into(), config: "x86_64".into() },
            Attribute::NumericVersion { major: 12, minor: 0, build: 0, service_pack_major: 0, service_pack_minor: 0 },
            Attribute::ForwardingEnabled(ForwardingEnabled::Disabled),
            Attribute::FactoryDefaultPasswordEnabled(false),
            Attribute::PortFilter(vec![PortFilterEntry { blocked: true, protocol: 6, port: 22 }]),
        ],
    };
    let bytes = message.to_bytes().expect("emits");
    // Header: version 1, reserved, identifier; then Product Information whose length
    // counts the 12-byte attribute header: 12 + 5 + 6 = 23.
    assert_eq!(&bytes[..31], &hex("01000000 01020304 00000000 00000002 00000017 000000 0000 646562 69616e")[..]);
    assert_eq!(PaMessageRepr::parse_bytes(&bytes, &Limits::DEFAULT).expect("parses"), message);
}

#[test]
fn pa_tnc_installed_packages_count_must_match() {
    let good = hex("01000000 00000001 00000000 00000007 00000018 0000 0001 03 6c6962 03 312e30");
    let message = PaMessageRepr::parse_bytes(&good, &Limits::DEFAULT).expect("parses");
    assert_eq!(
        message.attributes,
        vec![Attribute::InstalledPackages(vec![Package { name: "lib".into(), version: "1.0".into() }])]
    );
    assert_eq!(message.to_bytes().expect("emits"), good);
    let mut bad = good.clone();
    bad[23] = 2;
    assert!(PaMessageRepr::parse_bytes(&bad, &Limits::DEFAULT).is_err());
    let nul = hex("01000000 00000001 00000000 00000007 00000018 0000 0001 03 6c0062 03 312e30");
    assert!(PaMessageRepr::parse_bytes(&nul, &Limits::DEFAULT).is_err(), "NUL inside a name");
}

#[test]
fn pa_tnc_attribute_request_and_remediation_string() {
    let message = PaMessageRepr {
        identifier: 7,
        attributes: vec![
            Attribute::AttributeRequest(vec![
                AttributeType { vendor_id: 0, kind: ietf_type::PRODUCT_INFORMATION },
                AttributeType { vendor_id: 0, kind: ietf_type::INSTALLED_PACKAGES },
            ]),
            Attribute::RemediationInstructions(RemediationParameters::Text {
                text: "upgrade".into(),
                language: "en".into(),
            }),
            Attribute::AssessmentResult(AssessmentResult::Compliant),
        ],
    };
    let bytes = message.to_bytes().expect("emits");
    // Remediation Instructions: reserved, vendor 0, type 2 (string), length 7, text,
    // language length 2, "en".
    let remediation = hex("00 000000 0000000a 00000022 00 000000 00000002 00000007 75706772616465 02 656e");
    let at = 8 + 12 + 16;
    assert_eq!(&bytes[at..at + remediation.len()], &remediation[..]);
    assert_eq!(PaMessageRepr::parse_bytes(&bytes, &Limits::DEFAULT).expect("parses"), message);
}

#[test]
fn pa_tnc_unknown_noskip_attribute_is_refused() {
    let bytes = hex("01000000 00000001 80000000 00000063 0000000c");
    assert!(matches!(
        PaMessageRepr::parse_bytes(&bytes, &Limits::DEFAULT),
        Err(WireError::UnsupportedMandatory { .. })
    ));
    let skippable = hex("01000000 00000001 00000000 00000063 0000000c");
    assert!(PaMessageRepr::parse_bytes(&skippable, &Limits::DEFAULT).is_ok());
}

#[test]
fn tcg_segmentation_attributes_layout() {
    let message = PaMessageRepr {
        identifier: 1,
        attributes: vec![
            Attribute::MaxAttributeSize { request: true, max_attribute_size: 100_000, max_segment_size: 1000 },
            Attribute::SegmentEnvelope { more: true, start: true, base_id: 0x123456, segment: vec![1, 2] },
            Attribute::NextSegmentRequest { cancel: false, base_id: 0x123456 },
        ],
    };
    let bytes = message.to_bytes().expect("emits");
    let expected = hex("01000000 00000001
         00005597 00000021 00000014 000186a0 000003e8
         00005597 00000023 00000012 c0123456 0102
         00005597 00000024 00000010 00123456");
    assert_eq!(bytes, expected);
    assert_eq!(PaMessageRepr::parse_bytes(&bytes, &Limits::DEFAULT).expect("parses"), message);
}

#[test]
fn pt_tls_sasl_result_of_one_octet_as_strongswan_server_writes_it() {
    use postern_tnc_wire::pt_tls::{SASL_ABORT, SASL_SUCCESS};
    // pt_tls_server.c writes the result with write_uint8.
    let success = hex("00000000 00000006 00000011 00000002 00");
    let repr = PtTlsRepr::parse_bytes(&success, &Limits::DEFAULT).expect("parses");
    assert_eq!(repr.body, PtTlsBody::SaslResult { code: SASL_SUCCESS, data: vec![] });
    let abort = hex("00000000 00000006 00000011 00000002 02");
    let repr = PtTlsRepr::parse_bytes(&abort, &Limits::DEFAULT).expect("parses");
    assert_eq!(repr.body, PtTlsBody::SaslResult { code: SASL_ABORT, data: vec![] });
    // RFC 6876's two octets, as we emit them.
    assert_eq!(repr.to_bytes().expect("emits"), hex("00000000 00000006 00000012 00000002 0002"));
    assert!(PtTlsRepr::parse_bytes(&hex("00000000 00000006 00000011 00000002 07"), &Limits::DEFAULT).is_err());
}

#[test]
fn sasl_plain_message_as_strongswan_client_builds_it() {
    use postern_tnc_wire::pt_tls::SaslPlain;
    // sasl_plain.c: "" NUL client-id NUL password, sent as the selection's initial response.
    let selection = hex("00000000 00000004 00000024 00000001 05 504c41494e 00 616c696365 00 73336372337421");
    let repr = PtTlsRepr::parse_bytes(&selection, &Limits::DEFAULT).expect("parses");
    let PtTlsBody::SaslMechanismSelection { mechanism, initial } = &repr.body else { panic!("{repr:?}") };
    assert_eq!(mechanism, "PLAIN");
    let plain = SaslPlain::parse(initial).expect("PLAIN parses");
    assert_eq!((plain.authzid.as_str(), plain.authcid.as_str()), ("", "alice"));
    assert_eq!(plain.password, b"s3cr3t!");
    assert_eq!(plain.to_bytes().expect("emits"), *initial);
    assert!(!format!("{plain:?}").contains("s3cr3t"), "Debug hides the password");
    for bad in [&b"alice\0pw"[..], b"\0\0pw", b"\0alice\0", b"\0alice\0pw\0x", b"\0\xff\0pw"] {
        assert!(SaslPlain::parse(bad).is_err(), "{bad:?}");
    }
    assert!(SaslPlain::parse(&[&b"\0alice\0"[..], &[b'x'; 256]].concat()).is_err(), "password over 255 octets");
}
