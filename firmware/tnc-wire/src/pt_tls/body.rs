//! The PT-TLS message values, validated.

use alloc::{string::String, vec::Vec};

use super::{HEADER_LEN, Packet, message_type as ty};
use crate::{
    Limits, PEN_IETF, WireError,
    bytes::{Reader, Writer, to_vec},
};

/// The PT-TLS version this implementation speaks.
pub const PT_TLS_VERSION: u8 = 1;

/// SASL result: success.
pub const SASL_SUCCESS: u16 = 0;
/// SASL result: failure (the client may try again).
pub const SASL_FAILURE: u16 = 1;
/// SASL result: abort (no retry).
pub const SASL_ABORT: u16 = 2;
/// SASL result: mechanism failure.
pub const SASL_MECHANISM_FAILURE: u16 = 3;

/// PT-TLS error codes of the IETF namespace (RFC 6876 §3.9.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum ErrorCode {
    /// The message could not be parsed.
    MalformedMessage = 1,
    /// No common PT-TLS version.
    VersionNotSupported = 2,
    /// SASL failed in a way the mechanism cannot report.
    SaslMechanismError = 3,
    /// A message arrived in a phase where it is not allowed.
    InvalidMessage = 4,
    /// A message type the receiver does not support.
    TypeNotSupported = 5,
    /// A field holds a value the receiver cannot accept.
    InvalidParameter = 6,
}

/// The value of one PT-TLS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PtTlsBody {
    /// Experimental (IETF type 0), opaque.
    Experimental(Vec<u8>),
    /// The client's supported range and preference.
    VersionRequest {
        /// Lowest version supported.
        min: u8,
        /// Highest version supported.
        max: u8,
        /// Preferred version.
        preferred: u8,
    },
    /// The version the server chose.
    VersionResponse(u8),
    /// SASL mechanisms the server offers; empty ends the authentication phase.
    SaslMechanisms(Vec<String>),
    /// The mechanism the client picked, with optional initial data.
    SaslMechanismSelection {
        /// Mechanism name.
        mechanism: String,
        /// Initial response.
        initial: Vec<u8>,
    },
    /// One SASL challenge or response.
    SaslAuthenticationData(Vec<u8>),
    /// The outcome of a SASL exchange.
    SaslResult {
        /// One of the `SASL_*` codes.
        code: u16,
        /// Additional data with success.
        data: Vec<u8>,
    },
    /// A PB-TNC batch (see [`crate::pb`]).
    PbTncBatch(Vec<u8>),
    /// A PT-TLS Error, with a copy of (the start of) the offending message.
    Error {
        /// The error code's vendor id.
        vendor_id: u32,
        /// The error code.
        code: u32,
        /// The original message.
        original: Vec<u8>,
    },
    /// A message of a vendor's own namespace, opaque.
    Vendor {
        /// Its vendor id.
        vendor_id: u32,
        /// Its type.
        message_type: u32,
        /// Its value.
        value: Vec<u8>,
    },
}

/// One PT-TLS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtTlsRepr {
    /// The sender's message identifier (strongSwan counts up from 0 per sender).
    pub identifier: u32,
    /// The value.
    pub body: PtTlsBody,
}

fn mechanism_name(bytes: &[u8]) -> Result<String, WireError> {
    // RFC 4422 §3.1: 1 to 20 characters of A-Z, 0-9, '-' and '_'.
    let ok = !bytes.is_empty()
        && bytes.len() <= 20
        && bytes.iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'-' || *b == b'_');
    if !ok {
        return Err(WireError::Invalid { what: "SASL mechanism name", reason: "not 1-20 of A-Z 0-9 - _" });
    }
    crate::bytes::text(bytes, "SASL mechanism name")
}

impl PtTlsRepr {
    /// Parses and validates one message.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Self, WireError> {
        let identifier = packet.identifier();
        let value = packet.value();
        let vendor_id = packet.vendor_id();
        let message_type = packet.message_type();
        if vendor_id != PEN_IETF {
            return Ok(Self { identifier, body: PtTlsBody::Vendor { vendor_id, message_type, value: value.to_vec() } });
        }
        let mut r = Reader::new(value, "PT-TLS message value");
        let body = match message_type {
            ty::EXPERIMENTAL => PtTlsBody::Experimental(value.to_vec()),
            ty::VERSION_REQUEST => {
                exact(value, 4, "PT-TLS Version Request")?;
                let _reserved = r.u8()?;
                PtTlsBody::VersionRequest { min: r.u8()?, max: r.u8()?, preferred: r.u8()? }
            }
            ty::VERSION_RESPONSE => {
                exact(value, 4, "PT-TLS Version Response")?;
                let _reserved = r.u24()?;
                PtTlsBody::VersionResponse(r.u8()?)
            }
            ty::SASL_MECHANISMS => {
                let mut names = Vec::new();
                while r.remaining() > 0 {
                    let len = usize::from(r.u8()? & 0x1f);
                    names.push(mechanism_name(r.take(len)?)?);
                }
                PtTlsBody::SaslMechanisms(names)
            }
            ty::SASL_MECHANISM_SELECTION => {
                let len = usize::from(r.u8()? & 0x1f);
                let mechanism = mechanism_name(r.take(len)?)?;
                PtTlsBody::SaslMechanismSelection { mechanism, initial: r.rest().to_vec() }
            }
            ty::SASL_AUTHENTICATION_DATA => PtTlsBody::SaslAuthenticationData(value.to_vec()),
            ty::SASL_RESULT => {
                // RFC 6876 §3.8.6 has a 16-bit code; strongSwan's server writes one octet
                // (and its client reads one): a lone octet is taken as the code.
                let code = if value.len() == 1 { u16::from(r.u8()?) } else { r.u16()? };
                if code > SASL_MECHANISM_FAILURE {
                    return Err(WireError::InvalidValue { what: "SASL result code", value: code.into() });
                }
                PtTlsBody::SaslResult { code, data: r.rest().to_vec() }
            }
            ty::PB_TNC_BATCH => PtTlsBody::PbTncBatch(value.to_vec()),
            ty::ERROR => {
                let _reserved = r.u8()?;
                let vendor_id = r.u24()?;
                let code = r.u32()?;
                PtTlsBody::Error { vendor_id, code, original: r.rest().to_vec() }
            }
            other => {
                return Err(WireError::UnsupportedMandatory { what: "PT-TLS message", vendor_id, kind: other });
            }
        };
        Ok(Self { identifier, body })
    }

    /// Parses one whole message from bytes.
    pub fn parse_bytes(bytes: &[u8], limits: &Limits) -> Result<Self, WireError> {
        Self::parse(&Packet::new_checked(bytes, limits)?)
    }

    fn vendor_and_type(&self) -> (u32, u32) {
        match &self.body {
            PtTlsBody::Experimental(_) => (PEN_IETF, ty::EXPERIMENTAL),
            PtTlsBody::VersionRequest { .. } => (PEN_IETF, ty::VERSION_REQUEST),
            PtTlsBody::VersionResponse(_) => (PEN_IETF, ty::VERSION_RESPONSE),
            PtTlsBody::SaslMechanisms(_) => (PEN_IETF, ty::SASL_MECHANISMS),
            PtTlsBody::SaslMechanismSelection { .. } => (PEN_IETF, ty::SASL_MECHANISM_SELECTION),
            PtTlsBody::SaslAuthenticationData(_) => (PEN_IETF, ty::SASL_AUTHENTICATION_DATA),
            PtTlsBody::SaslResult { .. } => (PEN_IETF, ty::SASL_RESULT),
            PtTlsBody::PbTncBatch(_) => (PEN_IETF, ty::PB_TNC_BATCH),
            PtTlsBody::Error { .. } => (PEN_IETF, ty::ERROR),
            PtTlsBody::Vendor { vendor_id, message_type, .. } => (*vendor_id, *message_type),
        }
    }

    /// Bytes of the emitted message, header included.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN
            + match &self.body {
                PtTlsBody::Experimental(v)
                | PtTlsBody::SaslAuthenticationData(v)
                | PtTlsBody::PbTncBatch(v)
                | PtTlsBody::Vendor { value: v, .. } => v.len(),
                PtTlsBody::VersionRequest { .. } | PtTlsBody::VersionResponse(_) => 4,
                PtTlsBody::SaslMechanisms(names) => names.iter().map(|n| 1 + n.len()).sum(),
                PtTlsBody::SaslMechanismSelection { mechanism, initial } => 1 + mechanism.len() + initial.len(),
                PtTlsBody::SaslResult { data, .. } => 2 + data.len(),
                PtTlsBody::Error { original, .. } => 8 + original.len(),
            }
    }

    /// Emits into `packet`, whose buffer must be [`Self::buffer_len`] bytes. Refuses
    /// mechanism names that are not valid SASL names and messages over 4 GiB.
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, packet: &mut Packet<T>) -> Result<(), WireError> {
        let len = u32::try_from(self.buffer_len()).map_err(|_| WireError::TooLarge {
            what: "PT-TLS message",
            len: self.buffer_len() as u64,
            max: u64::from(u32::MAX),
        })?;
        match &self.body {
            PtTlsBody::SaslMechanisms(names) => {
                names.iter().try_for_each(|n| mechanism_name(n.as_bytes()).map(drop))?
            }
            PtTlsBody::SaslMechanismSelection { mechanism, .. } => drop(mechanism_name(mechanism.as_bytes())?),
            _ => {}
        }
        let (vendor_id, message_type) = self.vendor_and_type();
        packet.set_header(vendor_id, message_type, len, self.identifier);
        let mut w = Writer::new(packet.value_mut());
        match &self.body {
            PtTlsBody::Experimental(v)
            | PtTlsBody::SaslAuthenticationData(v)
            | PtTlsBody::PbTncBatch(v)
            | PtTlsBody::Vendor { value: v, .. } => w.bytes(v),
            PtTlsBody::VersionRequest { min, max, preferred } => w.bytes(&[0, *min, *max, *preferred]),
            PtTlsBody::VersionResponse(v) => w.bytes(&[0, 0, 0, *v]),
            PtTlsBody::SaslMechanisms(names) => names.iter().for_each(|n| w.string8(n)),
            PtTlsBody::SaslMechanismSelection { mechanism, initial } => {
                w.string8(mechanism);
                w.bytes(initial);
            }
            PtTlsBody::SaslResult { code, data } => {
                w.u16(*code);
                w.bytes(data);
            }
            PtTlsBody::Error { vendor_id, code, original } => {
                w.u8(0);
                w.u24(*vendor_id);
                w.u32(*code);
                w.bytes(original);
            }
        }
        Ok(())
    }

    /// Emits into a new vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = to_vec(self.buffer_len(), |_| {});
        self.emit(&mut Packet::new_unchecked(&mut out[..]))?;
        Ok(out)
    }
}

fn exact(value: &[u8], len: usize, what: &'static str) -> Result<(), WireError> {
    if value.len() != len {
        return Err(WireError::LengthMismatch { what, declared: len as u64, actual: value.len() });
    }
    Ok(())
}
