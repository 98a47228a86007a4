//! Sans-IO, `no_std` + `alloc` parse and emit of the TNC (Trusted Network Communications)
//! wire formats that carry endpoint posture:
//!
//! - [`pt_tls`]: PT-TLS (RFC 6876), the transport messages inside a TLS session;
//! - [`pb`]: PB-TNC (RFC 5793), the posture broker batches and messages;
//! - [`pa`]: PA-TNC (RFC 5792), the posture attribute messages and the IETF attributes,
//!   plus the TCG IF-M segmentation attributes and a bounded [`pa::Reassembler`].
//!
//! Each layer follows one pattern: a `Packet<T: AsRef<[u8]>>` view with `new_checked` that
//! validates lengths against the buffer, and a `Repr` with `parse` (validated, bounded by
//! [`Limits`]) and `emit` (into a buffer of `buffer_len()` bytes). Byte layouts match
//! strongSwan's libpttls, libtnccs and libimcv; docs/host-checker.md lists the choices
//! made where the RFCs leave room.
#![no_std]

extern crate alloc;

mod bytes;
mod error;
mod limits;
pub mod pa;
pub mod pb;
pub mod pt_tls;
mod remediation;

pub use crate::{
    error::WireError,
    limits::Limits,
    remediation::{REMEDIATION_STRING, REMEDIATION_URI, RemediationParameters},
};

/// The IANA Private Enterprise Number of the IETF: standard messages and attributes.
pub const PEN_IETF: u32 = 0;
/// The Private Enterprise Number of the Trusted Computing Group (IF-M segmentation).
pub const PEN_TCG: u32 = 0x00_5597;
/// The reserved vendor id 0xffffff: never valid on the wire.
pub const PEN_RESERVED: u32 = 0xff_ffff;
