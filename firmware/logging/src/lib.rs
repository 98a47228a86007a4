//! Structured logging for Postern's daemons, with the recent events kept in memory for `show logging`.

mod batched;
mod recent;
mod setup;

pub use batched::{BATCH_LIMIT, BatchWriter, Batched, flush};
pub use recent::{RECENT_EVENTS, RecentEvents, RecentLayer};
pub use setup::{init, init_batched};
