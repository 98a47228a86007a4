//! Why a request to the scheduler was refused.

use crate::kind::CheckinKind;

/// Why the scheduler refused a request (from the CLI or the driver).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckinError {
    /// The connector cannot do this check-in, so it is never run.
    #[error("the {kind} check-in is not supported by the UEM connector")]
    Unsupported {
        /// The check-in asked for.
        kind: CheckinKind,
    },
    /// The check-in is running now; its result will be shown when it ends.
    #[error("the {kind} check-in is already running")]
    AlreadyRunning {
        /// The check-in asked for.
        kind: CheckinKind,
    },
}
