//! Installs the process-wide subscriber: Postern's text lines or JSON lines on stderr, plus the
//! in-memory ring of recent events.

use crate::batched;
use crate::line::{LineFields, LineFormat};
use crate::recent::{RECENT_EVENTS, RecentEvents};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::writer::EitherWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Installs logging for a process that writes each event as it happens: events at
/// `default_filter` (or `RUST_LOG`) go to stderr, as JSON lines when `json` is set; every
/// event at info level and above is also kept in the returned ring for `show logging`.
pub fn init(default_filter: &str, json: bool) -> RecentEvents {
    install(default_filter, json, None)
}

/// Installs logging like [`init`], but stderr is written in batches by a background
/// thread (see [`crate::Batched`]), so serving threads never wait on a log write. Call
/// [`crate::flush`] before the process exits; a panic flushes by itself. Falls back to
/// direct writes when the writer thread cannot start.
pub fn init_batched(default_filter: &str, json: bool) -> RecentEvents {
    let report = if json { batched::ReportFormat::Json } else { batched::ReportFormat::Text };
    let Some(batched) = batched::stderr(report) else {
        return init(default_filter, json);
    };
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        batched::flush();
        previous(info);
    }));
    install(default_filter, json, Some(batched.clone()))
}

fn install(default_filter: &str, json: bool, batched: Option<batched::Batched>) -> RecentEvents {
    let recent = RecentEvents::new(RECENT_EVENTS);
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let writer = Destination(batched);
    let stderr = tracing_subscriber::fmt::layer().with_ansi(false).with_writer(writer);
    let stderr =
        if json { stderr.json().boxed() } else { stderr.event_format(LineFormat).fmt_fields(LineFields).boxed() };
    let kept = recent.layer().with_filter(tracing_subscriber::filter::LevelFilter::INFO);
    // A second init in the same process (tests) keeps the first subscriber.
    let _ = tracing_subscriber::registry().with(stderr.with_filter(filter)).with(kept).try_init();
    recent
}

/// Where the text goes: the batch when there is one, else stderr. A writer of its own
/// type rather than a boxed one, so that no event allocates for its writer.
struct Destination(Option<batched::Batched>);

impl<'a> MakeWriter<'a> for Destination {
    type Writer = EitherWriter<batched::BatchWriter<'a>, std::io::Stderr>;

    fn make_writer(&'a self) -> Self::Writer {
        match &self.0 {
            Some(batched) => EitherWriter::A(batched.make_writer()),
            None => EitherWriter::B(std::io::stderr()),
        }
    }
}
