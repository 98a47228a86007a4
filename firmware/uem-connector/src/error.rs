//! Why a UEM request failed, sorted by what the gateway does about it.

use std::time::Duration;

/// A failed UEM request. Every variant but [`UemError::CursorRefused`],
/// [`UemError::Request`] and [`UemError::Unsupported`] means "the UEM cannot be used now": first accesses fall back to
/// the outage rules (S3, S5) and check-ins back off. None of them ever lets a device in that
/// the rules would not.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum UemError {
    /// No connection: refused, reset, DNS, or the TLS handshake failed (including an
    /// untrusted or expired certificate).
    #[error("UEM unreachable at {endpoint}: {reason}")]
    Unreachable {
        /// What was being contacted.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// The UEM did not answer within the deadline.
    #[error("UEM timed out after {after:?} on {endpoint}")]
    Timeout {
        /// What was being contacted.
        endpoint: String,
        /// The deadline that passed.
        after: Duration,
    },
    /// The UEM answered with an error status.
    #[error("UEM answered {status} on {endpoint}: {message}")]
    Status {
        /// What was being contacted.
        endpoint: String,
        /// The HTTP status.
        status: u16,
        /// The error message from the body, if any (bounded).
        message: String,
    },
    /// The UEM asked the gateway to slow down (429/503 with `Retry-After`).
    #[error("UEM throttled {endpoint}; retry after {retry_after:?}")]
    Throttled {
        /// What was being contacted.
        endpoint: String,
        /// How long the UEM asked to wait.
        retry_after: Duration,
    },
    /// The answer could not be used: malformed, too large, or out of bounds.
    #[error("UEM answer from {endpoint} is unusable: {reason}")]
    BadAnswer {
        /// What was being contacted.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// The gateway's credentials were refused.
    #[error("UEM refused the gateway's credentials on {endpoint}")]
    Unauthorised {
        /// What was being contacted.
        endpoint: String,
    },
    /// The UEM no longer knows the cursor: the next pull must be a full resync.
    #[error("UEM refused the cursor on {endpoint}; a full resync follows")]
    CursorRefused {
        /// What was being contacted.
        endpoint: String,
    },
    /// The gateway could not put its request into the API's form (e.g. an inventory
    /// longer than the API carries). The UEM was not asked; retrying will not help.
    #[error("request to {endpoint} cannot be sent: {reason}")]
    Request {
        /// What was to be contacted.
        endpoint: String,
        /// Why.
        reason: String,
    },
    /// The connector cannot do this (e.g. Intune has no tunnel inventory).
    #[error("{what} is not supported by the {connector} connector")]
    Unsupported {
        /// The connector kind.
        connector: &'static str,
        /// The operation.
        what: &'static str,
    },
}

impl UemError {
    /// Whether the UEM should be treated as unreachable for a first access (S3, S5).
    pub fn is_outage(&self) -> bool {
        !matches!(self, UemError::Unsupported { .. } | UemError::CursorRefused { .. } | UemError::Request { .. })
    }

    /// The wait the UEM asked for, if it asked.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            UemError::Throttled { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}
