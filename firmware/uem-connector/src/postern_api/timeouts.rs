//! How long a request may take, and how much of an answer is read.

use postern_uem_api::MAX_RESPONSE_BYTES;
use std::time::Duration;

/// Time limits of every request to the UEM.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Timeouts {
    /// TCP connection and TLS handshake. Default 5 s.
    pub connect: Duration,
    /// The whole request, from connecting to the last byte of the answer. Default 15 s.
    /// A long-poll gets its wait on top.
    pub request: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self { connect: Duration::from_secs(5), request: Duration::from_secs(15) }
    }
}

/// Largest answer read from `register`, `settings`, `authorise` and the inventory push.
pub(super) const SMALL_ANSWER: usize = 64 * 1024;
/// Largest lookup answer (64 + 64 entries of at most a few hundred bytes each).
pub(super) const LOOKUP_ANSWER: usize = 1024 * 1024;
/// Largest feed answer (a full snapshot of 50 000 entries).
pub(super) const FEED_ANSWER: usize = MAX_RESPONSE_BYTES;
/// Largest error body read for its message.
pub(super) const ERROR_ANSWER: usize = 16 * 1024;
/// Longest wait a `Retry-After` may impose.
pub(super) const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);
/// Largest CA bundle read from `uem.connector.ca_file`.
pub(super) const CA_FILE_MAX: usize = 1024 * 1024;
/// Largest credentials file read from `uem.connector.gateway_credentials`.
pub(super) const CREDENTIALS_MAX: usize = 4 * 1024;
/// Largest response head (status line and headers).
pub(super) const HEAD_MAX: usize = 64 * 1024;
