//! Sans-IO, `no_std` + `alloc` parse and emit of the endpoint agent's control channel
//! (Z1): length-prefixed frames ([`Packet`]) carrying one message each ([`Repr`]).
//! The layout and its bounds are in this crate's README.
#![no_std]

extern crate alloc;

mod bytes;
mod dns_name;
mod error;
mod frames;
mod message;
mod packet;
mod resource;

pub use crate::{
    dns_name::{MAX_DNS_NAME, MAX_NAMES, MAX_NAMES_TOTAL, check_dns_name},
    error::WireError,
    frames::FrameBuffer,
    message::{COOKIE_LEN, Cookie, MessageType, RefuseReason, Repr},
    packet::{HEADER_LEN, MAX_FRAME, Packet, frame_len},
    resource::{MAX_NAME, MAX_PORTS, MAX_PREFIXES, MAX_RESOURCES, Prefix, Resource},
};
