//! One ActiveSync decision event, formatted as posternd logs it ([`LineFormat`]) and as
//! tracing's default text format would, both written to a sink: the cost of the log line.

use criterion::{Criterion, criterion_main};
use postern_logging::{LineFields, LineFormat};
use tracing::Subscriber;

fn decision_event() {
    let device = "ApplA1B2C3D4E5F6";
    tracing::info!(
        target: "postern::decision",
        device = %device,
        user = "alice@example.com",
        command = "Sync",
        decision = "allow",
        reason = "cached-allowed",
        "ActiveSync request decided"
    );
}

fn bench_with(c: &mut Criterion, name: &str, subscriber: impl Subscriber + Send + Sync + 'static) {
    tracing::subscriber::with_default(subscriber, || {
        c.bench_function(name, |b| b.iter(decision_event));
    });
}

fn log_line(c: &mut Criterion) {
    let postern = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(std::io::sink)
        .event_format(LineFormat)
        .fmt_fields(LineFields)
        .finish();
    bench_with(c, "log_line_postern", postern);
    let tracing_default = tracing_subscriber::fmt().with_ansi(false).with_writer(std::io::sink).finish();
    bench_with(c, "log_line_tracing_default", tracing_default);
}

/// Runs every benchmark of this file.
fn benches() {
    let mut c = Criterion::default().configure_from_args();
    log_line(&mut c);
}

criterion_main!(benches);
