//! Structured logging for Postern's daemons, with the recent events kept in memory for `show logging`.

mod recent;
mod setup;

pub use recent::{RECENT_EVENTS, RecentEvents, RecentLayer};
pub use setup::init;
