//! PA-TNC (RFC 5792): posture attribute messages. An 8-byte message header (version 1,
//! identifier) precedes attributes, each with a 12-byte header whose length counts the
//! header too (as strongSwan's libimcv writes it). Also the TCG IF-M segmentation
//! attributes, a [`Segmenter`] and a bounded [`Reassembler`].

mod attr;
mod attr_emit;
mod message;
mod seg;

pub use attr::{
    ATTRIBUTE_HEADER_LEN, Attribute, AttributeType, ForwardingEnabled, OperationalStatus, Package, PortFilterEntry,
};
pub use message::{MESSAGE_HEADER_LEN, PA_TNC_VERSION, PaMessageRepr, Packet};
pub use seg::{Reassembler, SEGMENT_ENVELOPE_HEADER_LEN, Segmenter};

/// The PA subtype of operating-system posture (IETF namespace).
pub const SUBTYPE_OPERATING_SYSTEM: u32 = 1;

/// IETF attribute types (RFC 5792 §4.2).
pub mod ietf_type {
    /// Testing.
    pub const TESTING: u32 = 0;
    /// Attribute Request.
    pub const ATTRIBUTE_REQUEST: u32 = 1;
    /// Product Information.
    pub const PRODUCT_INFORMATION: u32 = 2;
    /// Numeric Version.
    pub const NUMERIC_VERSION: u32 = 3;
    /// String Version.
    pub const STRING_VERSION: u32 = 4;
    /// Operational Status.
    pub const OPERATIONAL_STATUS: u32 = 5;
    /// Port Filter.
    pub const PORT_FILTER: u32 = 6;
    /// Installed Packages.
    pub const INSTALLED_PACKAGES: u32 = 7;
    /// PA-TNC Error.
    pub const PA_TNC_ERROR: u32 = 8;
    /// Assessment Result.
    pub const ASSESSMENT_RESULT: u32 = 9;
    /// Remediation Instructions.
    pub const REMEDIATION_INSTRUCTIONS: u32 = 10;
    /// Forwarding Enabled.
    pub const FORWARDING_ENABLED: u32 = 11;
    /// Factory Default Password Enabled.
    pub const FACTORY_DEFAULT_PASSWORD_ENABLED: u32 = 12;
}

/// TCG IF-M segmentation attribute types (vendor [`crate::PEN_TCG`]).
pub mod tcg_type {
    /// Maximum Attribute Size Request (the segmentation contract request).
    pub const MAX_ATTRIBUTE_SIZE_REQUEST: u32 = 0x21;
    /// Maximum Attribute Size Response.
    pub const MAX_ATTRIBUTE_SIZE_RESPONSE: u32 = 0x22;
    /// Attribute Segment Envelope.
    pub const SEGMENT_ENVELOPE: u32 = 0x23;
    /// Next Segment Request.
    pub const NEXT_SEGMENT_REQUEST: u32 = 0x24;
}
