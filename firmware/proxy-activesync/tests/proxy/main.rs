//! The ActiveSync proxy end to end: a real client over TCP, the proxy, a real back end.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "tests")]

mod harness;

mod backend_failures;
mod cuts;
mod decisions;
mod https_backend;
mod logs;
mod routing;
