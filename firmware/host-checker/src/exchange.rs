//! Helpers shared by the verifier and the collector: wrapping PA-TNC messages into PB-TNC
//! batches into PT-TLS messages, and unwrapping them with every bound applied.

use postern_tnc_wire::{
    Limits, PEN_IETF, WireError,
    pa::{Attribute, PaMessageRepr, SUBTYPE_OPERATING_SYSTEM},
    pb::{BatchRepr, BatchType, PbMessage, PbPa},
    pt_tls::{PtTlsBody, PtTlsRepr},
};

/// Posture collector id the collector uses (one collector: the operating system).
pub const COLLECTOR_ID: u16 = 1;
/// Posture validator id the verifier uses.
pub const VALIDATOR_ID: u16 = 1;
/// Validator id meaning "any validator" (RFC 5793).
pub const ANY_VALIDATOR: u16 = 0xffff;

/// Counts PT-TLS message identifiers from 0, per sender (as strongSwan does).
#[derive(Debug, Default)]
pub(crate) struct Ids(u32);

impl Ids {
    pub(crate) fn next(&mut self) -> u32 {
        let id = self.0;
        self.0 = self.0.wrapping_add(1);
        id
    }
}

/// One PT-TLS message as bytes.
pub(crate) fn pt_tls(ids: &mut Ids, body: PtTlsBody) -> Result<Vec<u8>, WireError> {
    PtTlsRepr { identifier: ids.next(), body }.to_bytes()
}

/// A PB-PA message carrying `attributes` in one PA-TNC message of the OS subtype.
pub(crate) fn pb_pa(identifier: u32, attributes: Vec<Attribute>, from_server: bool) -> Result<PbMessage, WireError> {
    let body = PaMessageRepr { identifier, attributes }.to_bytes()?;
    let (collector_id, validator_id) =
        if from_server { (COLLECTOR_ID, VALIDATOR_ID) } else { (COLLECTOR_ID, ANY_VALIDATOR) };
    Ok(PbMessage::Pa(PbPa {
        exclusive: false,
        vendor_id: PEN_IETF,
        subtype: SUBTYPE_OPERATING_SYSTEM,
        collector_id,
        validator_id,
        body,
    }))
}

/// A PT-TLS message carrying one batch.
pub(crate) fn batch(
    ids: &mut Ids,
    from_server: bool,
    batch_type: BatchType,
    messages: Vec<PbMessage>,
) -> Result<Vec<u8>, WireError> {
    let batch = BatchRepr { from_server, batch_type, messages }.to_bytes()?;
    pt_tls(ids, PtTlsBody::PbTncBatch(batch))
}

/// The attributes of every OS-subtype PB-PA message of a batch.
pub(crate) fn attributes(batch: &BatchRepr, limits: &Limits) -> Result<Vec<Attribute>, WireError> {
    let mut out = Vec::new();
    for message in &batch.messages {
        if let PbMessage::Pa(pa) = message
            && pa.vendor_id == PEN_IETF
            && pa.subtype == SUBTYPE_OPERATING_SYSTEM
        {
            out.extend(PaMessageRepr::parse_bytes(&pa.body, limits)?.attributes);
        }
    }
    Ok(out)
}
