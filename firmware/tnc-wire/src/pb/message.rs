//! PB-TNC messages (RFC 5793 §4.2-4.10).

use alloc::{string::String, vec::Vec};

use super::message_type as ty;
use crate::{
    PEN_IETF, PEN_RESERVED, RemediationParameters, WireError,
    bytes::{Reader, Writer, check_len8, text},
};

/// Bytes of a PB-TNC message header.
pub const MESSAGE_HEADER_LEN: usize = 12;
const NOSKIP: u8 = 0x80;
const EXCLUSIVE: u8 = 0x80;
const FATAL: u8 = 0x80;

/// The verdict of an assessment (RFC 5793 §4.6; the same values as RFC 5792 §4.2.9).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum AssessmentResult {
    /// The endpoint complies.
    Compliant = 0,
    /// A minor deviation.
    MinorNonCompliance = 1,
    /// A major deviation.
    MajorNonCompliance = 2,
    /// The verifier could not assess.
    Error = 3,
    /// The verifier does not know.
    DontKnow = 4,
}

impl AssessmentResult {
    /// The result for a wire value, if it is one.
    pub fn from_wire(v: u32) -> Result<Self, WireError> {
        Ok(match v {
            0 => Self::Compliant,
            1 => Self::MinorNonCompliance,
            2 => Self::MajorNonCompliance,
            3 => Self::Error,
            4 => Self::DontKnow,
            _ => {
                return Err(WireError::InvalidValue { what: "assessment result", value: v });
            }
        })
    }
}

/// The access the server recommends (RFC 5793 §4.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum AccessRecommendation {
    /// Full access.
    Allowed = 1,
    /// No access.
    NoAccess = 2,
    /// Isolated (remediation network only).
    Isolate = 3,
}

/// A PB-PA message: one PA-TNC message for a posture collector/validator pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbPa {
    /// The EXCL flag: deliver only to the collector/validator named.
    pub exclusive: bool,
    /// The PA message vendor id.
    pub vendor_id: u32,
    /// The PA subtype (1 = operating system).
    pub subtype: u32,
    /// The posture collector id.
    pub collector_id: u16,
    /// The posture validator id (0xffff = any).
    pub validator_id: u16,
    /// The PA-TNC message (see [`crate::pa`]).
    pub body: Vec<u8>,
}

/// The detail of a PB-Error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PbErrorDetail {
    /// Byte offset of the problem in the batch.
    Offset(u32),
    /// For Version Not Supported: the bad version and the supported range.
    Version {
        /// The version received.
        bad: u8,
        /// Highest supported.
        max: u8,
        /// Lowest supported.
        min: u8,
    },
    /// Vendor errors or unusual lengths: the parameters as sent.
    Raw(Vec<u8>),
}

/// A PB-Error message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PbError {
    /// Fatal: the exchange ends.
    pub fatal: bool,
    /// The error code's vendor id.
    pub vendor_id: u32,
    /// The error code (see [`super::error_code`]).
    pub code: u16,
    /// The detail.
    pub detail: PbErrorDetail,
}

/// One PB-TNC message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PbMessage {
    /// PB-Experimental, opaque.
    Experimental(Vec<u8>),
    /// PB-PA.
    Pa(PbPa),
    /// PB-Assessment-Result.
    AssessmentResult(AssessmentResult),
    /// PB-Access-Recommendation.
    AccessRecommendation(AccessRecommendation),
    /// PB-Remediation-Parameters.
    RemediationParameters(RemediationParameters),
    /// PB-Error.
    Error(PbError),
    /// PB-Language-Preference: an `Accept-Language:` header line.
    LanguagePreference(String),
    /// PB-Reason-String.
    ReasonString {
        /// Why.
        reason: String,
        /// In which language (RFC 5646 tag, may be empty).
        language: String,
    },
    /// A skippable message of a type this implementation does not know.
    Unknown {
        /// Its vendor id.
        vendor_id: u32,
        /// Its type.
        kind: u32,
        /// Its value.
        value: Vec<u8>,
    },
}

/// Per IETF type: (minimum length with header, exact, NOSKIP rule: Some(required value)).
fn rules(kind: u32) -> (usize, bool, Option<bool>) {
    match kind {
        ty::EXPERIMENTAL => (12, false, None),
        ty::PA => (24, false, Some(true)),
        ty::ASSESSMENT_RESULT => (16, true, Some(true)),
        ty::ACCESS_RECOMMENDATION => (16, true, Some(false)),
        ty::REMEDIATION_PARAMETERS => (20, false, Some(false)),
        ty::ERROR => (20, false, Some(true)),
        ty::LANGUAGE_PREFERENCE => (12, false, Some(false)),
        _ => (17, false, Some(false)), // Reason-String
    }
}

impl PbMessage {
    /// Parses the message at the start of `bytes`; returns it and the bytes it used.
    pub fn parse(bytes: &[u8]) -> Result<(Self, usize), WireError> {
        let mut r = Reader::new(bytes, "PB-TNC message header");
        let flags = r.u8()?;
        let vendor_id = r.u24()?;
        let kind = r.u32()?;
        let len = r.u32()? as usize;
        if len < MESSAGE_HEADER_LEN || len > bytes.len() {
            return Err(WireError::LengthMismatch {
                what: "PB-TNC message",
                declared: len as u64,
                actual: bytes.len(),
            });
        }
        if vendor_id == PEN_RESERVED || kind == u32::MAX {
            return Err(WireError::Invalid { what: "PB-TNC message", reason: "reserved vendor id or type" });
        }
        let noskip = flags & NOSKIP != 0;
        let value = &bytes[MESSAGE_HEADER_LEN..len];
        if vendor_id != PEN_IETF || kind > ty::REASON_STRING {
            if noskip {
                return Err(WireError::UnsupportedMandatory { what: "PB-TNC message", vendor_id, kind });
            }
            return Ok((Self::Unknown { vendor_id, kind, value: value.to_vec() }, len));
        }
        let (min, exact, noskip_rule) = rules(kind);
        if len < min || (exact && len != min) {
            return Err(WireError::LengthMismatch { what: "PB-TNC message", declared: min as u64, actual: len });
        }
        if kind == ty::EXPERIMENTAL && noskip {
            return Err(WireError::UnsupportedMandatory { what: "PB-TNC message", vendor_id, kind });
        }
        if noskip_rule.is_some_and(|required| required != noskip) {
            return Err(WireError::Invalid { what: "PB-TNC message", reason: "NOSKIP flag wrong for its type" });
        }
        Ok((Self::parse_value(kind, value)?, len))
    }

    fn parse_value(kind: u32, value: &[u8]) -> Result<Self, WireError> {
        let mut r = Reader::new(value, "PB-TNC message value");
        Ok(match kind {
            ty::EXPERIMENTAL => Self::Experimental(value.to_vec()),
            ty::PA => {
                let flags = r.u8()?;
                let vendor_id = r.u24()?;
                let subtype = r.u32()?;
                let collector_id = r.u16()?;
                let validator_id = r.u16()?;
                Self::Pa(PbPa {
                    exclusive: flags & EXCLUSIVE != 0,
                    vendor_id,
                    subtype,
                    collector_id,
                    validator_id,
                    body: r.rest().to_vec(),
                })
            }
            ty::ASSESSMENT_RESULT => Self::AssessmentResult(AssessmentResult::from_wire(r.u32()?)?),
            ty::ACCESS_RECOMMENDATION => {
                let _reserved = r.u16()?;
                Self::AccessRecommendation(match r.u16()? {
                    1 => AccessRecommendation::Allowed,
                    2 => AccessRecommendation::NoAccess,
                    3 => AccessRecommendation::Isolate,
                    v => {
                        return Err(WireError::InvalidValue { what: "access recommendation", value: v.into() });
                    }
                })
            }
            ty::REMEDIATION_PARAMETERS => {
                Self::RemediationParameters(RemediationParameters::parse(value, "PB-Remediation-Parameters")?)
            }
            ty::ERROR => {
                let fatal = r.u8()? & FATAL != 0;
                let vendor_id = r.u24()?;
                let code = r.u16()?;
                let _reserved = r.u16()?;
                let rest = r.rest();
                let detail = match (vendor_id, code, rest) {
                    (PEN_IETF, super::error_code::VERSION_NOT_SUPPORTED, [bad, max, min, _]) => {
                        PbErrorDetail::Version { bad: *bad, max: *max, min: *min }
                    }
                    (PEN_IETF, _, [a, b, c, d]) => PbErrorDetail::Offset(u32::from_be_bytes([*a, *b, *c, *d])),
                    _ => PbErrorDetail::Raw(rest.to_vec()),
                };
                Self::Error(PbError { fatal, vendor_id, code, detail })
            }
            ty::LANGUAGE_PREFERENCE => Self::LanguagePreference(text(value, "PB-Language-Preference")?),
            _ => {
                let reason = r.string32("PB-Reason-String")?;
                let language = r.string8("PB-Reason-String language code")?;
                if r.remaining() != 0 {
                    return Err(WireError::Invalid {
                        what: "PB-Reason-String",
                        reason: "bytes after the language code",
                    });
                }
                Self::ReasonString { reason, language }
            }
        })
    }

    /// Whether only a RESULT batch may carry it.
    pub fn result_only(&self) -> bool {
        matches!(
            self,
            Self::AssessmentResult(_)
                | Self::AccessRecommendation(_)
                | Self::RemediationParameters(_)
                | Self::ReasonString { .. }
        )
    }

    fn vendor_kind_noskip(&self) -> (u32, u32, bool) {
        match self {
            Self::Experimental(_) => (PEN_IETF, ty::EXPERIMENTAL, false),
            Self::Pa(_) => (PEN_IETF, ty::PA, true),
            Self::AssessmentResult(_) => (PEN_IETF, ty::ASSESSMENT_RESULT, true),
            Self::AccessRecommendation(_) => (PEN_IETF, ty::ACCESS_RECOMMENDATION, false),
            Self::RemediationParameters(_) => (PEN_IETF, ty::REMEDIATION_PARAMETERS, false),
            Self::Error(_) => (PEN_IETF, ty::ERROR, true),
            Self::LanguagePreference(_) => (PEN_IETF, ty::LANGUAGE_PREFERENCE, false),
            Self::ReasonString { .. } => (PEN_IETF, ty::REASON_STRING, false),
            Self::Unknown { vendor_id, kind, .. } => (*vendor_id, *kind, false),
        }
    }

    /// Bytes of the value (without the 12-byte header).
    pub fn value_len(&self) -> usize {
        match self {
            Self::Experimental(v) | Self::Unknown { value: v, .. } => v.len(),
            Self::Pa(pa) => 12 + pa.body.len(),
            Self::AssessmentResult(_) | Self::AccessRecommendation(_) => 4,
            Self::RemediationParameters(p) => p.buffer_len(),
            Self::Error(e) => {
                8 + match &e.detail {
                    PbErrorDetail::Offset(_) | PbErrorDetail::Version { .. } => 4,
                    PbErrorDetail::Raw(v) => v.len(),
                }
            }
            Self::LanguagePreference(s) => s.len(),
            Self::ReasonString { reason, language } => 4 + reason.len() + 1 + language.len(),
        }
    }

    pub(crate) fn check(&self) -> Result<(), WireError> {
        match self {
            Self::RemediationParameters(p) => p.check(),
            Self::ReasonString { language, .. } => check_len8(language, "PB-Reason-String language code"),
            _ => Ok(()),
        }
    }

    /// Emits header and value into `buf` (12 + [`Self::value_len`] bytes).
    pub(crate) fn emit(&self, buf: &mut [u8]) {
        let (vendor_id, kind, noskip) = self.vendor_kind_noskip();
        let mut w = Writer::new(buf);
        w.u8(if noskip { NOSKIP } else { 0 });
        w.u24(vendor_id);
        w.u32(kind);
        w.u32((MESSAGE_HEADER_LEN + self.value_len()) as u32);
        match self {
            Self::Experimental(v) | Self::Unknown { value: v, .. } => w.bytes(v),
            Self::Pa(pa) => {
                w.u8(if pa.exclusive { EXCLUSIVE } else { 0 });
                w.u24(pa.vendor_id);
                w.u32(pa.subtype);
                w.u16(pa.collector_id);
                w.u16(pa.validator_id);
                w.bytes(&pa.body);
            }
            Self::AssessmentResult(a) => w.u32(*a as u32),
            Self::AccessRecommendation(a) => {
                w.u16(0);
                w.u16(*a as u16);
            }
            Self::RemediationParameters(p) => p.emit(&mut w),
            Self::Error(e) => {
                w.u8(if e.fatal { FATAL } else { 0 });
                w.u24(e.vendor_id);
                w.u16(e.code);
                w.u16(0);
                match &e.detail {
                    PbErrorDetail::Offset(o) => w.u32(*o),
                    PbErrorDetail::Version { bad, max, min } => w.bytes(&[*bad, *max, *min, 0]),
                    PbErrorDetail::Raw(v) => w.bytes(v),
                }
            }
            Self::LanguagePreference(s) => w.bytes(s.as_bytes()),
            Self::ReasonString { reason, language } => {
                w.string32(reason);
                w.string8(language);
            }
        }
    }
}
