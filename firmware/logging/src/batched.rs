//! Log lines gathered in memory and written by a background thread, so that the thread
//! serving a request never waits on a log write and a busy daemon makes one write per
//! batch instead of one per event.

use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::Duration;
use tracing_subscriber::fmt::MakeWriter;

/// Most bytes held before lines are dropped: a sink that stops reading (a full pipe) must
/// not stall the daemon or grow its memory.
pub const BATCH_LIMIT: usize = 1 << 20;
/// How long the writer gathers lines after a write before it writes again.
const GATHER: Duration = Duration::from_millis(20);

/// Where lines go, with the lines waiting for it.
struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    /// Held while writing, so that a flush and the background writer keep lines in order.
    sink: Mutex<Sink>,
    limit: usize,
    report: ReportFormat,
}

/// How the writer reports dropped lines: in the shape of the log's other lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// A [`crate::LineFormat`] text line.
    Text,
    /// A JSON line like tracing's JSON format.
    Json,
}

impl ReportFormat {
    fn line(self, dropped: u64) -> String {
        let mut now = String::with_capacity(27);
        let _ = crate::timestamp::write_now(&mut now);
        match self {
            Self::Text => format!(
                "{now}{}postern::logging: log output fell behind dropped={dropped}\n",
                crate::line::padded_level(tracing::Level::WARN)
            ),
            Self::Json => format!(
                "{{\"timestamp\":\"{now}\",\"level\":\"WARN\",\"fields\":{{\"message\":\"log output fell behind\",\"dropped\":{dropped}}},\"target\":\"postern::logging\"}}\n"
            ),
        }
    }
}

/// The destination, with the buffer of the last batch written: swapped with the pending
/// one at each write, so that neither is allocated again while the daemon is busy.
struct Sink {
    out: Box<dyn Write + Send>,
    spare: Vec<u8>,
}

#[derive(Default)]
struct Pending {
    bytes: Vec<u8>,
    dropped: u64,
    writer_waiting: bool,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn push(&self, line: &[u8]) {
        let mut pending = lock(&self.pending);
        if pending.bytes.len() + line.len() > self.limit {
            pending.dropped += 1;
            return;
        }
        pending.bytes.extend_from_slice(line);
        if pending.writer_waiting {
            pending.writer_waiting = false;
            self.wake.notify_one();
        }
    }

    /// Writes what is pending now.
    fn write_pending(&self) {
        let mut sink = lock(&self.sink);
        let Sink { out, spare } = &mut *sink;
        spare.clear();
        let dropped = {
            let mut pending = lock(&self.pending);
            std::mem::swap(&mut pending.bytes, spare);
            std::mem::take(&mut pending.dropped)
        };
        if spare.is_empty() && dropped == 0 {
            return;
        }
        // A sink that fails has nowhere to report it: the lines are lost, the daemon goes on.
        let _ = out.write_all(spare);
        if dropped > 0 {
            let _ = out.write_all(self.report.line(dropped).as_bytes());
        }
        let _ = out.flush();
    }

    fn run_writer(&self) {
        loop {
            {
                let mut pending = lock(&self.pending);
                while pending.bytes.is_empty() && pending.dropped == 0 {
                    pending.writer_waiting = true;
                    pending = self.wake.wait(pending).unwrap_or_else(PoisonError::into_inner);
                }
            }
            self.write_pending();
            std::thread::sleep(GATHER);
        }
    }
}

/// A log destination written in batches by a background thread. Lines appear at once
/// when the daemon is quiet and at most 20 ms late when it is busy; when the sink
/// falls more than [`BATCH_LIMIT`] bytes behind, lines are dropped and counted, and the
/// count is written when it catches up.
#[derive(Clone)]
pub struct Batched {
    shared: Arc<Shared>,
}

impl Batched {
    /// Starts the background writer for `sink`, holding at most `limit` bytes and
    /// reporting dropped lines in `report`'s shape.
    pub fn start(sink: Box<dyn Write + Send>, limit: usize, report: ReportFormat) -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            sink: Mutex::new(Sink { out: sink, spare: Vec::new() }),
            limit,
            report,
        });
        let writer = shared.clone();
        std::thread::Builder::new().name("log-writer".into()).spawn(move || writer.run_writer())?;
        Ok(Self { shared })
    }

    /// Writes every pending line now, from the calling thread.
    pub fn flush(&self) {
        self.shared.write_pending();
    }
}

/// Appends one event's bytes to the batch.
pub struct BatchWriter<'a> {
    shared: &'a Shared,
}

impl Write for BatchWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.shared.push(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Batched {
    type Writer = BatchWriter<'a>;

    fn make_writer(&'a self) -> Self::Writer {
        BatchWriter { shared: &self.shared }
    }
}

/// The process's batched stderr, once [`crate::init_batched`] has installed it.
static STDERR: OnceLock<Batched> = OnceLock::new();

/// The batched stderr of this process, started on first use.
pub(crate) fn stderr(report: ReportFormat) -> Option<&'static Batched> {
    if let Some(batched) = STDERR.get() {
        return Some(batched);
    }
    let started = Batched::start(Box::new(std::io::stderr()), BATCH_LIMIT, report).ok()?;
    Some(STDERR.get_or_init(|| started))
}

/// Writes every log line still pending to stderr; call it before the process exits.
/// Does nothing when logging is not batched.
pub fn flush() {
    if let Some(batched) = STDERR.get() {
        batched.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::unix::net::UnixStream;
    use std::time::Instant;

    /// The sink's end of a socket pair, and the end the test reads.
    fn socket_sink() -> (Box<dyn Write + Send>, UnixStream) {
        let (ours, theirs) = UnixStream::pair().expect("socket pair");
        (Box::new(ours), theirs)
    }

    fn read_until(reader: &mut UnixStream, expected: usize) -> String {
        reader.set_read_timeout(Some(Duration::from_secs(5))).expect("timeout");
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut got = Vec::new();
        let mut chunk = [0u8; 4096];
        while got.len() < expected && Instant::now() < deadline {
            match reader.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
            }
        }
        String::from_utf8(got).expect("utf-8")
    }

    #[test]
    fn lines_reach_the_sink_whole_and_in_order_without_a_flush() {
        let (sink, mut reader) = socket_sink();
        let batched = Batched::start(sink, BATCH_LIMIT, ReportFormat::Text).expect("start");
        let expected: String = (0..500).map(|n| format!("line {n}\n")).collect();
        for line in expected.lines() {
            batched.make_writer().write_all(format!("{line}\n").as_bytes()).expect("write");
        }
        assert_eq!(read_until(&mut reader, expected.len()), expected);
    }

    /// Fills a sink nobody reads far past `limit`, then reads it: returns the drop report.
    fn drop_report_after_overflow(report: ReportFormat) -> String {
        let (sink, mut reader) = socket_sink();
        let limit = 4096;
        let batched = Batched::start(sink, limit, report).expect("start");
        let line = [b'x'; 99];
        let started = Instant::now();
        // Far more than the socket buffer and the limit together, nobody reading.
        for _ in 0..100_000 {
            let mut writer = batched.make_writer();
            writer.write_all(&line).expect("write");
            writer.write_all(b"\n").expect("write");
        }
        assert!(started.elapsed() < Duration::from_secs(5), "writing log lines stalled");
        reader.set_nonblocking(true).expect("nonblocking");
        let mut all = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut chunk = vec![0u8; 1 << 16];
        let report_line = |all: &[u8]| {
            String::from_utf8_lossy(all).lines().find(|l| l.contains("log output fell behind")).map(str::to_owned)
        };
        while Instant::now() < deadline && report_line(&all).is_none() {
            match reader.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => all.extend_from_slice(&chunk[..n]),
                Err(_) => std::thread::sleep(Duration::from_millis(5)),
            }
        }
        report_line(&all).unwrap_or_else(|| panic!("no drop report in {} bytes", all.len()))
    }

    fn dropped_count(digits: &str) -> u64 {
        digits.chars().take_while(char::is_ascii_digit).collect::<String>().parse().expect("a count")
    }

    #[test]
    fn a_sink_that_stops_reading_costs_dropped_lines_not_a_stall() {
        let report = drop_report_after_overflow(ReportFormat::Text);
        let (_, count) =
            report.split_once("  WARN postern::logging: log output fell behind dropped=").expect("text report");
        assert!(dropped_count(count) > 0, "{report}");
    }

    #[test]
    fn the_drop_report_is_json_when_the_log_is() {
        let report = drop_report_after_overflow(ReportFormat::Json);
        let parsed: serde_json::Value = serde_json::from_str(&report).expect("a JSON line");
        assert_eq!(parsed["level"], "WARN", "{report}");
        assert_eq!(parsed["fields"]["message"], "log output fell behind", "{report}");
        assert!(parsed["fields"]["dropped"].as_u64().is_some_and(|n| n > 0), "{report}");
    }

    #[test]
    fn flush_writes_what_is_pending_from_the_caller() {
        let (sink, mut reader) = socket_sink();
        let batched = Batched::start(sink, BATCH_LIMIT, ReportFormat::Text).expect("start");
        batched.make_writer().write_all(b"before exit\n").expect("write");
        batched.flush();
        assert_eq!(read_until(&mut reader, 12), "before exit\n");
    }
}
