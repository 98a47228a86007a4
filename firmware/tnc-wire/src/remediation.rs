//! Remediation parameters, shared by PB-Remediation-Parameters (RFC 5793 §4.8) and the
//! PA-TNC Remediation Instructions attribute (RFC 5792 §4.2.10): one layout for both.

use alloc::{string::String, vec::Vec};

use crate::{
    PEN_IETF, WireError,
    bytes::{Reader, Writer, check_len8},
};

/// IETF remediation parameters type: a URI.
pub const REMEDIATION_URI: u32 = 1;
/// IETF remediation parameters type: a human-readable string with a language code.
pub const REMEDIATION_STRING: u32 = 2;

/// What the client should do to become compliant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemediationParameters {
    /// Where to get the fix.
    Uri(String),
    /// Instructions for the user, in `language` (an RFC 5646 tag, may be empty).
    Text {
        /// The instructions.
        text: String,
        /// Their language.
        language: String,
    },
    /// Parameters of a vendor's own type, kept opaque.
    Vendor {
        /// The vendor id of the type.
        vendor_id: u32,
        /// The type.
        kind: u32,
        /// The parameters as sent.
        data: Vec<u8>,
    },
}

impl RemediationParameters {
    /// Parses the 8-byte type header and the parameters after it.
    pub(crate) fn parse(value: &[u8], what: &'static str) -> Result<Self, WireError> {
        let mut r = Reader::new(value, what);
        let _reserved = r.u8()?;
        let vendor_id = r.u24()?;
        let kind = r.u32()?;
        match (vendor_id, kind) {
            (PEN_IETF, REMEDIATION_URI) => Ok(Self::Uri(crate::bytes::text(r.rest(), "remediation URI")?)),
            (PEN_IETF, REMEDIATION_STRING) => {
                let text = r.string32("remediation string")?;
                let language = r.string8("remediation language code")?;
                if r.remaining() != 0 {
                    return Err(WireError::Invalid { what, reason: "bytes after the language code" });
                }
                Ok(Self::Text { text, language })
            }
            _ => Ok(Self::Vendor { vendor_id, kind, data: r.rest().to_vec() }),
        }
    }

    /// Checks the parameters can be emitted (language codes fit their 8-bit length).
    pub(crate) fn check(&self) -> Result<(), WireError> {
        match self {
            Self::Text { language, .. } => check_len8(language, "remediation language code"),
            _ => Ok(()),
        }
    }

    /// Bytes of the emitted form, type header included.
    pub(crate) fn buffer_len(&self) -> usize {
        8 + match self {
            Self::Uri(uri) => uri.len(),
            Self::Text { text, language } => 4 + text.len() + 1 + language.len(),
            Self::Vendor { data, .. } => data.len(),
        }
    }

    pub(crate) fn emit(&self, w: &mut Writer<'_>) {
        w.u8(0);
        match self {
            Self::Uri(uri) => {
                w.u24(PEN_IETF);
                w.u32(REMEDIATION_URI);
                w.bytes(uri.as_bytes());
            }
            Self::Text { text, language } => {
                w.u24(PEN_IETF);
                w.u32(REMEDIATION_STRING);
                w.string32(text);
                w.string8(language);
            }
            Self::Vendor { vendor_id, kind, data } => {
                w.u24(*vendor_id);
                w.u32(*kind);
                w.bytes(data);
            }
        }
    }
}
