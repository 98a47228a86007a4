//! Split DNS (Z3) for the endpoint agent, sans-IO and `no_std` + `alloc`: DNS messages in
//! the project's wire style ([`Packet`] checks the header, [`Repr`] is a validated
//! message that parses and emits), and [`Resolver`], which answers queries for the names
//! of protected resources and tells its shell to forward every other query unchanged.
//! The choices are in this crate's README.
#![no_std]

extern crate alloc;

mod error;
mod name;
mod names;
mod packet;
mod pool;
mod repr;
mod resolver;

pub use crate::{
    error::DnsError,
    name::{MAX_NAME_LEN, Name},
    names::{NameTable, Protected},
    packet::{Flags, HEADER_LEN, Packet, Rcode},
    pool::{MAX_SYNTHETIC, Mapping, SyntheticPool},
    repr::{Question, Record, Repr, class, rtype},
    resolver::{AnswerKind, Outcome, Resolver, TTL, is_answer_to},
};
