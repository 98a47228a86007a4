//! Fixtures: a device CA, TCP back ends, the gateway and proxy behind the real TLS front
//! end, and clients (a Rust TLS client and curl).
#![allow(dead_code, unreachable_pub, missing_docs)]

pub mod backends;
pub mod client;
pub mod pki;
pub mod setup;

pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type TestResult = Result<(), Error>;
