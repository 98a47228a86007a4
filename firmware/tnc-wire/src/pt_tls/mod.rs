//! PT-TLS (RFC 6876): the messages a posture broker client and server exchange inside a
//! TLS session. A 16-byte header (reserved, vendor id, type, length, identifier) precedes
//! each message value.

mod body;
mod packet;
mod sasl_plain;

pub use body::{
    ErrorCode, PT_TLS_VERSION, PtTlsBody, PtTlsRepr, SASL_ABORT, SASL_FAILURE, SASL_MECHANISM_FAILURE, SASL_SUCCESS,
};
pub use packet::{HEADER_LEN, Packet, frame_len};
pub use sasl_plain::{PLAIN, PLAIN_FIELD_MAX, SaslPlain};

/// PT-TLS message types of the IETF namespace (vendor id 0).
pub mod message_type {
    /// Experimental.
    pub const EXPERIMENTAL: u32 = 0;
    /// Version Request (client to server).
    pub const VERSION_REQUEST: u32 = 1;
    /// Version Response (server to client).
    pub const VERSION_RESPONSE: u32 = 2;
    /// SASL Mechanisms (server to client; empty ends authentication).
    pub const SASL_MECHANISMS: u32 = 3;
    /// SASL Mechanism Selection (client to server).
    pub const SASL_MECHANISM_SELECTION: u32 = 4;
    /// SASL Authentication Data (both ways).
    pub const SASL_AUTHENTICATION_DATA: u32 = 5;
    /// SASL Result (server to client).
    pub const SASL_RESULT: u32 = 6;
    /// A PB-TNC batch.
    pub const PB_TNC_BATCH: u32 = 7;
    /// PT-TLS Error.
    pub const ERROR: u32 = 8;
}
