//! A batch strongSwan's pt-tls-client (with its OS IMC, on Debian 12) sent to posternd,
//! captured with `--debug 3`: the posture it yields.

use postern_host_checker::{Platform, Posture};
use postern_tnc_wire::{
    Limits,
    pa::{Attribute, ForwardingEnabled, PaMessageRepr},
    pb::{BatchRepr, BatchType, PbMessage},
};

/// The first CDATA batch: Language-Preference, then one PB-PA message with Product
/// Information, String Version, Numeric Version, Operational Status, Forwarding Enabled,
/// Factory Default Password Enabled and ITA-HSR Device ID.
const CDATA: &str = "
02 00 00 01 00 00 01 02 00 00 00 00 00 00 00 06 00 00 00 1F 41 63 63 65 70 74 2D 4C 61 6E 67 75
61 67 65 3A 20 65 6E 80 00 00 00 00 00 00 01 00 00 00 DB 00 00 00 00 00 00 00 01 00 01 FF FF 01
00 00 00 4C 42 3D 84 00 00 00 00 00 00 00 02 00 00 00 17 00 25 72 00 00 44 65 62 69 61 6E 00 00
00 00 00 00 00 04 00 00 00 18 09 31 32 20 78 38 36 5F 36 34 00 00 00 00 00 00 00 00 00 03 00 00
00 1C 00 00 00 0C 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 05 00 00 00 24 03 01
00 00 32 30 32 36 2D 31 32 2D 30 35 54 30 36 3A 35 39 3A 30 38 5A 00 00 00 00 00 00 00 0B 00 00
00 10 00 00 00 00 00 00 00 00 00 00 00 0C 00 00 00 10 00 00 00 00 00 00 90 2A 00 00 00 08 00 00
00 2C 33 64 31 32 31 39 63 37 63 34 63 35 34 30 34 61 61 61 31 66 36 64 32 61 34 38 61 64 66 64
61 34";

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

#[test]
fn strongswan_os_imc_batch_parses_re_emits_and_yields_the_posture() {
    let bytes = hex(CDATA);
    let batch = BatchRepr::parse_bytes(&bytes, &Limits::DEFAULT).expect("the batch parses");
    assert_eq!(batch.batch_type, BatchType::Cdata);
    assert_eq!(batch.to_bytes().expect("emits"), bytes, "re-emitted byte for byte");
    assert_eq!(batch.messages[0], PbMessage::LanguagePreference("Accept-Language: en".into()));
    let PbMessage::Pa(pa) = &batch.messages[1] else { panic!("{:?}", batch.messages[1]) };
    let message = PaMessageRepr::parse_bytes(&pa.body, &Limits::DEFAULT).expect("the PA-TNC message parses");
    assert_eq!(message.attributes.len(), 7);
    assert!(matches!(&message.attributes[0], Attribute::ProductInformation { name, .. } if name == "Debian"));
    let posture = Posture::from_attributes(&message.attributes);
    assert_eq!(posture.platform, Some(Platform::Linux("debian".into())));
    // "12 x86_64" with empty build and configuration: the architecture is not the version.
    assert_eq!(posture.os_version.as_deref(), Some("12"));
    assert_eq!(posture.forwarding, Some(ForwardingEnabled::Disabled));
    assert_eq!(posture.default_password, Some(false));
}
