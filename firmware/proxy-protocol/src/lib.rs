//! Sans-IO, `no_std` parser and writer of HAProxy's PROXY protocol (versions 1 and 2), the
//! header a layer-4 load balancer puts in front of a connection to tell the server who
//! the client is.
//!
//! Reading a header off a socket without reading past it: ask [`framing`] how many more
//! bytes belong to the header, read exactly that many, repeat until it says the header is
//! complete, then [`ProxyHeader::parse`] it. Every header is bounded: a version 1 line by
//! [`V1_MAX_LEN`] bytes, a version 2 header by [`V2_MAX_LEN`] bytes.
//!
//! ```
//! use postern_proxy_protocol::{Framing, ProxyHeader, framing};
//! let bytes = b"PROXY TCP4 192.0.2.7 198.51.100.1 56324 443\r\n\x16\x03\x01";
//! assert_eq!(framing(&bytes[..15]), Ok(Framing::Need(1)));
//! let Ok(Framing::Complete(len)) = framing(&bytes[..45]) else { panic!() };
//! let header = ProxyHeader::parse(&bytes[..len]).unwrap();
//! assert_eq!(header.source().unwrap().to_string(), "192.0.2.7:56324");
//! ```
#![no_std]

mod error;
mod framing;
mod header;
mod v1;
mod v2;

pub use error::ProxyError;
pub use framing::{Framing, MIN_LEN, framing};
pub use header::{Addresses, Command, ProxyHeader, Version};
pub use v1::V1_MAX_LEN;
pub use v2::{Packet, SIGNATURE, Tlv, Tlvs, V2_HEADER_LEN, V2_MAX_LEN};
