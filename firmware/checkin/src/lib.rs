//! When the three UEM check-ins run (S8): intervals, jitter, back-off, cursors, UEM health and status, with no I/O.

mod entropy;
mod error;
mod health;
mod kind;
mod outcome;
mod schedule;
mod scheduler;
mod serde_ms;
mod status;
mod table;
mod text;
mod timing;

pub use error::CheckinError;
pub use health::{HealthEvent, UemHealth};
pub use kind::CheckinKind;
pub use outcome::{Outcome, RunResult};
pub use scheduler::Scheduler;
pub use status::{CheckinStatus, Counts, LastError, LastRun, StatusReport};
pub use table::render_table;
pub use text::ERROR_TEXT_MAX;
pub use timing::{BACKOFF_BASE_MAX, LONG_POLL_MIN_CYCLE, LONG_POLL_WAIT_MAX, MIN_PERIOD, RETRY_AFTER_MAX};
