//! How a check-in ended, as the driver reports it.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// How one run of a check-in ended. The driver maps the connector's answer or error to
/// this: a `UemError` with `is_outage()` becomes `Failed { outage: true, .. }` with its
/// `retry_after()`, `CursorRefused` and `Unsupported` map to the variants of those names.
/// `C` is the driver's cursor type (opaque here; its own type bounds it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome<C> {
    /// The UEM answered and the answer was applied.
    Success {
        /// The cursor for the next pull; `None` keeps the current one (e.g. the
        /// inventory push, which has no cursor).
        new_cursor: Option<C>,
        /// How many items (changes, actions, inventory entries) were applied or sent.
        items: u64,
        /// The UEM has more to give now: run again at once.
        more: bool,
    },
    /// The run failed; the check-in backs off.
    Failed {
        /// What went wrong, for status (kept bounded and on one line).
        error: String,
        /// How long the UEM asked the gateway to wait, if it asked.
        retry_after: Option<Duration>,
        /// The UEM could not be used (unreachable, timeout, error status, bad answer):
        /// this marks the UEM unreachable (S3, S5).
        outage: bool,
    },
    /// The UEM no longer knows the cursor: drop it and pull everything again at once.
    CursorRefused,
    /// The connector cannot do this check-in: never schedule it again.
    Unsupported,
}

/// The result of a finished run, as status shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RunResult {
    /// The UEM answered and the answer was applied.
    Success,
    /// The run failed and the check-in is backing off.
    Failed,
    /// The UEM refused the cursor; a full resync follows.
    CursorRefused,
    /// The connector cannot do this check-in.
    Unsupported,
}

impl RunResult {
    /// The name status and the CLI show.
    pub fn name(self) -> &'static str {
        match self {
            RunResult::Success => "success",
            RunResult::Failed => "failed",
            RunResult::CursorRefused => "cursor-refused",
            RunResult::Unsupported => "unsupported",
        }
    }
}

impl<C> Outcome<C> {
    pub(crate) fn result(&self) -> RunResult {
        match self {
            Outcome::Success { .. } => RunResult::Success,
            Outcome::Failed { .. } => RunResult::Failed,
            Outcome::CursorRefused => RunResult::CursorRefused,
            Outcome::Unsupported => RunResult::Unsupported,
        }
    }
}
