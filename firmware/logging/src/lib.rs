//! Structured logging for Postern's daemons, with the recent events kept in memory for `show logging`.

mod batched;
mod line;
mod recent;
mod setup;
mod timestamp;

pub use batched::{BATCH_LIMIT, BatchWriter, Batched, ReportFormat, flush};
pub use line::{LineFields, LineFormat};
pub use recent::{RECENT_EVENTS, RecentEvents, RecentLayer};
pub use setup::{init, init_batched};
pub use timestamp::{human_time, utc_time};
