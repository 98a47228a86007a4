//! The fuzz target's seed corpus is real traffic: every seed parses through the layers it
//! is meant to reach.

use postern_tnc_wire::{
    Limits,
    pa::{Attribute, PaMessageRepr, Reassembler},
    pb::{BatchRepr, PbMessage},
    pt_tls::{PtTlsBody, PtTlsRepr},
};

fn seed(name: &str) -> Vec<u8> {
    let path = format!("{}/../../fuzz/corpus/layers/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn pa_messages(name: &str) -> Vec<PaMessageRepr> {
    let message = PtTlsRepr::parse_bytes(&seed(name), &Limits::DEFAULT).expect("PT-TLS parses");
    let PtTlsBody::PbTncBatch(batch) = message.body else { panic!("{name}: not a batch") };
    let batch = BatchRepr::parse_bytes(&batch, &Limits::DEFAULT).expect("batch parses");
    batch
        .messages
        .iter()
        .filter_map(|m| match m {
            PbMessage::Pa(pa) => Some(PaMessageRepr::parse_bytes(&pa.body, &Limits::DEFAULT).expect("PA parses")),
            _ => None,
        })
        .collect()
}

#[test]
fn seeds_reach_their_layers() {
    assert!(PtTlsRepr::parse_bytes(&seed("version-request"), &Limits::DEFAULT).is_ok());
    assert!(PtTlsRepr::parse_bytes(&seed("pt-tls-error"), &Limits::DEFAULT).is_ok());
    assert!(PtTlsRepr::parse_bytes(&seed("sasl-result-one-octet"), &Limits::DEFAULT).is_ok());
    let selection = PtTlsRepr::parse_bytes(&seed("sasl-plain-selection"), &Limits::DEFAULT).expect("parses");
    let PtTlsBody::SaslMechanismSelection { initial, .. } = selection.body else { panic!("not a selection") };
    assert!(postern_tnc_wire::pt_tls::SaslPlain::parse(&initial).is_ok());
    assert_eq!(pa_messages("cdata-os-attributes")[0].attributes.len(), 4);
    assert_eq!(pa_messages("sdata-attribute-request")[0].attributes.len(), 2);
    let message = PtTlsRepr::parse_bytes(&seed("result-remediation"), &Limits::DEFAULT).expect("parses");
    let PtTlsBody::PbTncBatch(batch) = message.body else { panic!("not a batch") };
    assert_eq!(BatchRepr::parse_bytes(&batch, &Limits::DEFAULT).expect("parses").messages.len(), 4);

    let mut reassembler = Reassembler::new(Limits::DEFAULT);
    let mut rebuilt = None;
    for attribute in &pa_messages("cdata-segments")[0].attributes {
        let Attribute::SegmentEnvelope { more, start, base_id, segment } = attribute else { panic!("not an envelope") };
        rebuilt = reassembler.push(*more, *start, *base_id, segment).expect("reassembles");
    }
    assert!(matches!(rebuilt, Some(Attribute::InstalledPackages(p)) if p.len() == 2));
}
