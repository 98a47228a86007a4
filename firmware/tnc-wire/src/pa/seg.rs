//! TCG IF-M segmentation: a large attribute travels as Segment Envelopes of at most the
//! contract's segment size; the receiver asks for each next one with a Next Segment
//! Request. The first segment begins with the enveloped attribute's own 12-byte header,
//! whose length field (the whole attribute) bounds the reassembly before any copy.

use alloc::vec::Vec;

use super::attr::{ATTRIBUTE_HEADER_LEN, Attribute};
use crate::{Limits, WireError};

/// Bytes of the Segment Envelope value header (flags and base message id).
pub const SEGMENT_ENVELOPE_HEADER_LEN: usize = 4;
/// Segmented transfers one reassembler keeps in flight at once.
const MAX_IN_FLIGHT: usize = 4;

/// Cuts one encoded attribute into Segment Envelope attributes.
#[derive(Debug, Clone)]
pub struct Segmenter {
    encoded: Vec<u8>,
    sent: usize,
    base_id: u32,
    max_segment_size: usize,
}

impl Segmenter {
    /// Segments `attribute` under `base_id` (24 bits; strongSwan uses the PA-TNC message
    /// identifier's low bits) into segments of at most `max_segment_size` bytes.
    pub fn new(attribute: &Attribute, base_id: u32, max_segment_size: u32) -> Result<Self, WireError> {
        if base_id > 0x00ff_ffff {
            return Err(WireError::InvalidValue { what: "base message id", value: base_id });
        }
        if max_segment_size == 0 {
            return Err(WireError::InvalidValue { what: "maximum segment size", value: 0 });
        }
        Ok(Self { encoded: attribute.to_bytes()?, sent: 0, base_id, max_segment_size: max_segment_size as usize })
    }

    /// Whether the attribute needs no segmentation (it fits one segment).
    pub fn fits_one_segment(&self) -> bool {
        self.encoded.len() <= self.max_segment_size
    }

    /// The next envelope, or `None` once every byte has been sent.
    pub fn next_envelope(&mut self) -> Option<Attribute> {
        if self.sent == self.encoded.len() {
            return None;
        }
        let start = self.sent == 0;
        let end = (self.sent + self.max_segment_size).min(self.encoded.len());
        let segment = self.encoded[self.sent..end].to_vec();
        self.sent = end;
        Some(Attribute::SegmentEnvelope { more: end < self.encoded.len(), start, base_id: self.base_id, segment })
    }

    /// The base message id the envelopes carry.
    pub fn base_id(&self) -> u32 {
        self.base_id
    }

    /// Whether every segment has been handed out.
    pub fn is_done(&self) -> bool {
        self.sent == self.encoded.len()
    }
}

#[derive(Debug, Clone)]
struct InFlight {
    base_id: u32,
    declared: usize,
    bytes: Vec<u8>,
}

/// Rebuilds segmented attributes, bounded by `Limits::max_reassembled_attribute` and by
/// a few transfers in flight.
#[derive(Debug, Clone)]
pub struct Reassembler {
    limits: Limits,
    in_flight: Vec<InFlight>,
}

impl Reassembler {
    /// An empty reassembler.
    pub fn new(limits: Limits) -> Self {
        Self { limits, in_flight: Vec::new() }
    }

    /// Whether a transfer under `base_id` awaits more segments.
    pub fn is_pending(&self, base_id: u32) -> bool {
        self.in_flight.iter().any(|f| f.base_id == base_id)
    }

    /// Forgets a transfer (after a cancel).
    pub fn cancel(&mut self, base_id: u32) {
        self.in_flight.retain(|f| f.base_id != base_id);
    }

    /// Takes one Segment Envelope's fields; returns the attribute once its last segment
    /// has arrived. Any error drops the transfer.
    pub fn push(
        &mut self,
        more: bool,
        start: bool,
        base_id: u32,
        segment: &[u8],
    ) -> Result<Option<Attribute>, WireError> {
        let result = self.push_inner(more, start, base_id, segment);
        if !matches!(result, Ok(None)) {
            self.cancel(base_id);
        }
        result
    }

    fn push_inner(
        &mut self,
        more: bool,
        start: bool,
        base_id: u32,
        segment: &[u8],
    ) -> Result<Option<Attribute>, WireError> {
        if start {
            if self.is_pending(base_id) {
                return Err(WireError::Invalid {
                    what: "Segment Envelope",
                    reason: "a transfer with this base id is already open",
                });
            }
            if self.in_flight.len() == MAX_IN_FLIGHT {
                return Err(WireError::TooLarge {
                    what: "segmented transfers in flight",
                    len: MAX_IN_FLIGHT as u64 + 1,
                    max: MAX_IN_FLIGHT as u64,
                });
            }
            if segment.len() < ATTRIBUTE_HEADER_LEN {
                return Err(WireError::Truncated {
                    what: "first segment",
                    needed: ATTRIBUTE_HEADER_LEN,
                    available: segment.len(),
                });
            }
            let declared = u32::from_be_bytes([segment[8], segment[9], segment[10], segment[11]]);
            if declared > self.limits.max_reassembled_attribute {
                return Err(WireError::TooLarge {
                    what: "segmented attribute",
                    len: declared.into(),
                    max: self.limits.max_reassembled_attribute.into(),
                });
            }
            self.in_flight.push(InFlight { base_id, declared: declared as usize, bytes: Vec::new() });
        }
        let flight = self
            .in_flight
            .iter_mut()
            .find(|f| f.base_id == base_id)
            .ok_or(WireError::Invalid { what: "Segment Envelope", reason: "no open transfer with this base id" })?;
        if flight.bytes.len() + segment.len() > flight.declared {
            return Err(WireError::LengthMismatch {
                what: "segmented attribute",
                declared: flight.declared as u64,
                actual: flight.bytes.len() + segment.len(),
            });
        }
        flight.bytes.extend_from_slice(segment);
        if more {
            return Ok(None);
        }
        if flight.bytes.len() != flight.declared {
            return Err(WireError::LengthMismatch {
                what: "segmented attribute",
                declared: flight.declared as u64,
                actual: flight.bytes.len(),
            });
        }
        let (attribute, _) = Attribute::parse(&flight.bytes, &self.limits)?;
        if matches!(attribute, Attribute::SegmentEnvelope { .. }) {
            return Err(WireError::Invalid { what: "Segment Envelope", reason: "an envelope inside an envelope" });
        }
        Ok(Some(attribute))
    }
}
