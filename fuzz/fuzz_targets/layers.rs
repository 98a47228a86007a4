//! Feeds bytes through every layer as the verifier does: PT-TLS message → PB-TNC batch →
//! PA-TNC message → segment reassembly, and SASL PLAIN messages; whatever parses must re-emit and re-parse equal.
#![no_main]

use postern_tnc_wire::{
    Limits,
    pa::{Attribute, PaMessageRepr, Reassembler},
    pb::{BatchRepr, PbMessage},
    pt_tls::{PtTlsBody, PtTlsRepr, SaslPlain},
};

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_reassembled_attribute: 64 * 1024, ..Limits::DEFAULT };
    let Ok(message) = PtTlsRepr::parse_bytes(data, &limits) else { return };
    let emitted = message.to_bytes().expect("a parsed PT-TLS message emits");
    assert_eq!(PtTlsRepr::parse_bytes(&emitted, &limits).as_ref(), Ok(&message));
    if let PtTlsBody::SaslMechanismSelection { initial: sasl, .. } | PtTlsBody::SaslAuthenticationData(sasl) =
        &message.body
        && let Ok(plain) = SaslPlain::parse(sasl)
    {
        assert_eq!(&plain.to_bytes().expect("a parsed PLAIN message emits"), sasl);
    }
    let PtTlsBody::PbTncBatch(batch) = &message.body else { return };
    let Ok(batch) = BatchRepr::parse_bytes(batch, &limits) else { return };
    let emitted = batch.to_bytes().expect("a parsed batch emits");
    assert_eq!(BatchRepr::parse_bytes(&emitted, &limits).as_ref(), Ok(&batch));
    let mut reassembler = Reassembler::new(limits);
    for pb in &batch.messages {
        let PbMessage::Pa(pa) = pb else { continue };
        let Ok(pa) = PaMessageRepr::parse_bytes(&pa.body, &limits) else { continue };
        let emitted = pa.to_bytes().expect("a parsed PA-TNC message emits");
        assert_eq!(PaMessageRepr::parse_bytes(&emitted, &limits).as_ref(), Ok(&pa));
        for attribute in &pa.attributes {
            if let Attribute::SegmentEnvelope { more, start, base_id, segment } = attribute {
                let _ = reassembler.push(*more, *start, *base_id, segment);
            }
        }
    }
});
