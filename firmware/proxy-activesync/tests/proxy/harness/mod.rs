//! A recording back end, a gateway over a static UEM, a proxy on loopback and a client.
#![allow(clippy::unwrap_used, clippy::expect_used, dead_code, unreachable_pub, reason = "test harness")]

pub mod backend;
pub mod client;
pub mod setup;
