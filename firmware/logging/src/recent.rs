//! A bounded ring of the most recent log events, each rendered as one line.

use crate::line::FieldWriter;
use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, PoisonError};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::Context;

/// How many events are kept by default.
pub const RECENT_EVENTS: usize = 1000;
/// Longest line kept per event; longer ones are cut.
const LINE_MAX: usize = 1024;
/// The access log: one event per request. It stays out of the ring, where a busy gateway
/// would push every other event out within milliseconds; it is in the daemon's log.
const ACCESS_TARGET: &str = "postern::access";

thread_local! {
    /// Each thread's event line being rendered, reused from event to event.
    static LINE: std::cell::RefCell<String> = std::cell::RefCell::new(String::with_capacity(256));
}

/// The most recent log events, shared between the logging layer and its readers.
#[derive(Clone)]
pub struct RecentEvents {
    inner: Arc<Mutex<VecDeque<String>>>,
    capacity: usize,
}

impl RecentEvents {
    /// An empty ring keeping at most `capacity` events.
    pub fn new(capacity: usize) -> Self {
        Self { inner: Arc::new(Mutex::new(VecDeque::with_capacity(capacity.min(64)))), capacity }
    }

    /// The events kept, oldest first.
    pub fn snapshot(&self) -> Vec<String> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).iter().cloned().collect()
    }

    /// The layer that records into this ring.
    pub fn layer(&self) -> RecentLayer {
        RecentLayer { events: self.clone() }
    }

    /// Keeps a copy of `line`; once the ring is full, in the string of the event it
    /// pushes out, so that a busy daemon does not allocate per event.
    fn push(&self, line: &str) {
        if self.capacity == 0 {
            return;
        }
        let mut ring = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let mut kept = if ring.len() >= self.capacity { ring.pop_front().unwrap_or_default() } else { String::new() };
        kept.clear();
        kept.push_str(line);
        ring.push_back(kept);
    }
}

/// A tracing layer that renders each event as `LEVEL target: message key=value …`, with
/// values written as in [`crate::LineFormat`];
/// access-log events (target `postern::access`) are not kept.
pub struct RecentLayer {
    events: RecentEvents,
}

impl<S: Subscriber> Layer<S> for RecentLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if meta.target() == ACCESS_TARGET {
            return;
        }
        let render = |text: &mut String| {
            text.clear();
            let _ = write!(text, "{} {}: ", meta.level(), meta.target());
            let mut fields = FieldWriter::new(text);
            event.record(&mut fields);
            let _ = fields.finish();
            if text.len() > LINE_MAX {
                let mut cut = LINE_MAX;
                while !text.is_char_boundary(cut) {
                    cut -= 1;
                }
                text.truncate(cut);
            }
            self.events.push(text);
            // A huge event's buffer is not kept for the thread's life.
            if text.capacity() > 4 * LINE_MAX {
                *text = String::with_capacity(256);
            }
        };
        // An event logged while a field is being rendered gets a buffer of its own.
        LINE.with(|line| match line.try_borrow_mut() {
            Ok(mut text) => render(&mut text),
            Err(_) => render(&mut String::new()),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn keeps_the_most_recent_events_with_their_fields() {
        let recent = RecentEvents::new(2);
        let subscriber = tracing_subscriber::registry().with(recent.layer());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(device = "D1", "first");
            tracing::warn!(device = "D2", reason = "uem-blocked", "second");
            tracing::error!(count = 3, "third");
        });
        let lines = recent.snapshot();
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(
            lines[0].starts_with("WARN ") && lines[0].contains(": second device=D2 reason=uem-blocked"),
            "{lines:?}"
        );
        assert!(lines[1].contains("third count=3"), "{lines:?}");
    }

    #[test]
    fn access_log_events_stay_out_of_the_ring() {
        let recent = RecentEvents::new(4);
        let subscriber = tracing_subscriber::registry().with(recent.layer());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(target: "postern::access", status = 200, "ActiveSync request");
            tracing::info!(target: "postern::decision", decision = "block", "ActiveSync request decided");
        });
        let lines = recent.snapshot();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains("postern::decision"), "{lines:?}");
    }

    #[test]
    fn long_events_are_cut() {
        let recent = RecentEvents::new(4);
        let subscriber = tracing_subscriber::registry().with(recent.layer());
        let long = "é".repeat(2 * LINE_MAX);
        tracing::subscriber::with_default(subscriber, || tracing::info!(value = %long, "long"));
        assert!(recent.snapshot()[0].len() <= LINE_MAX);
    }
}
