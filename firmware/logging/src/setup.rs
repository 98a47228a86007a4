//! Installs the process-wide subscriber: human-readable or JSON lines on stderr, plus the
//! in-memory ring of recent events.

use crate::recent::{RECENT_EVENTS, RecentEvents};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Installs logging for a daemon: events at `default_filter` (or `RUST_LOG`) go to stderr,
/// as JSON lines when `json` is set; every event at info level and above is also kept in
/// the returned ring for `show logging`.
pub fn init(default_filter: &str, json: bool) -> RecentEvents {
    let recent = RecentEvents::new(RECENT_EVENTS);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let stderr = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_ansi(false);
    let stderr = if json { stderr.json().boxed() } else { stderr.boxed() };
    let kept = recent.layer().with_filter(tracing_subscriber::filter::LevelFilter::INFO);
    // A second init in the same process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(stderr.with_filter(filter)).with(kept).try_init();
    recent
}
