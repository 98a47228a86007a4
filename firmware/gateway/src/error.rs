//! Why a gateway operation failed.

/// A failure of the access service. UEM failures are not errors here: they select the
/// outage rules (S3, S5).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GatewayError {
    /// The device cache failed; the decision that needed it was a refusal.
    #[error("device cache: {0}")]
    Cache(#[from] postern_device_cache::CacheError),
    /// An identifier from the UEM does not fit the cache's bounds.
    #[error("cache key: {0}")]
    Key(#[from] postern_device_cache::KeyError),
    /// A first access was not attempted now: the source used its budget of first
    /// accesses, or every UEM lookup slot stayed taken. Overload, not an unreachable UEM:
    /// answer 503 with Retry-After.
    #[error("busy: {what}; retry in {} s", retry_after.as_secs())]
    Busy {
        /// Which bound was reached.
        what: &'static str,
        /// How long the client should wait.
        retry_after: std::time::Duration,
    },
    /// The pinned block list could not be read, written or grown.
    #[error("block list: {0}")]
    Blocks(String),
    /// An identifier does not fit its bounds.
    #[error("identifier: {0}")]
    Id(#[from] postern_decision::IdError),
    /// A block names something that cannot be a device or a user.
    #[error("identifier: {0}")]
    Identifier(String),
}
