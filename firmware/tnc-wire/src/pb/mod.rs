//! PB-TNC (RFC 5793): batches of posture broker messages. An 8-byte batch header
//! (version 2, the D flag, batch type, length) precedes 12-byte-headed messages.

mod batch;
mod message;

pub use batch::{BATCH_HEADER_LEN, BatchRepr, BatchType, PB_TNC_VERSION, Packet};
pub use message::{
    AccessRecommendation, AssessmentResult, MESSAGE_HEADER_LEN, PbError, PbErrorDetail, PbMessage, PbPa,
};

/// PB-TNC message types of the IETF namespace.
pub mod message_type {
    /// PB-Experimental.
    pub const EXPERIMENTAL: u32 = 0;
    /// PB-PA: carries one PA-TNC message.
    pub const PA: u32 = 1;
    /// PB-Assessment-Result.
    pub const ASSESSMENT_RESULT: u32 = 2;
    /// PB-Access-Recommendation.
    pub const ACCESS_RECOMMENDATION: u32 = 3;
    /// PB-Remediation-Parameters.
    pub const REMEDIATION_PARAMETERS: u32 = 4;
    /// PB-Error.
    pub const ERROR: u32 = 5;
    /// PB-Language-Preference.
    pub const LANGUAGE_PREFERENCE: u32 = 6;
    /// PB-Reason-String.
    pub const REASON_STRING: u32 = 7;
}

/// PB-TNC error codes of the IETF namespace (RFC 5793 §4.9.1).
pub mod error_code {
    /// A batch type not allowed in the current state.
    pub const UNEXPECTED_BATCH_TYPE: u16 = 0;
    /// A field holds an invalid value (the detail is an offset).
    pub const INVALID_PARAMETER: u16 = 1;
    /// The sender failed on its own side.
    pub const LOCAL_ERROR: u16 = 2;
    /// A NOSKIP message of a type the receiver does not know.
    pub const UNSUPPORTED_MANDATORY_MESSAGE: u16 = 3;
    /// A batch version the receiver does not speak.
    pub const VERSION_NOT_SUPPORTED: u16 = 4;
}
