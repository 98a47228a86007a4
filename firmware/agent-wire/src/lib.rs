//! Sans-IO, `no_std` + `alloc` parse and emit of the endpoint agent's control channel
//! (Z1): length-prefixed frames ([`Packet`]) carrying one message each ([`Repr`]).
//! The layout and its bounds are in this crate's README.
#![no_std]

extern crate alloc;

mod bytes;
mod error;
mod frames;
mod message;
mod packet;
mod resource;

pub use crate::{
    error::WireError,
    frames::FrameBuffer,
    message::{COOKIE_LEN, Cookie, MessageType, RefuseReason, Repr},
    packet::{HEADER_LEN, MAX_FRAME, Packet, frame_len},
    resource::{MAX_NAME, MAX_PORTS, MAX_PREFIXES, MAX_RESOURCES, Prefix, Resource},
};
