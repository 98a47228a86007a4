//! Postern's text log line:
//! `2026-12-04T16:40:00.123456Z  INFO span{k=v}: target: message key=value …`.
//!
//! Values made only of printable ASCII without spaces, quotes or backslashes are written
//! as they are (`device=ApplA1B2`); any other string is quoted and escaped
//! (`user="CORP\\alice"`), and control characters in messages and other values are
//! escaped, so a client's bytes can never start a line of their own.

use crate::timestamp;
use std::fmt::{self, Write};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// The event format of posternd's and postern-init's text log.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineFormat;

/// The field format of [`LineFormat`], for spans' fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct LineFields;

impl<S, N> FormatEvent<S, N> for LineFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        timestamp::write_now(&mut writer)?;
        let meta = event.metadata();
        writer.write_str(padded_level(*meta.level()))?;
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                writer.write_str(span.name())?;
                let extensions = span.extensions();
                if let Some(fields) = extensions.get::<FormattedFields<N>>() {
                    if !fields.is_empty() {
                        write!(writer, "{{{fields}}}")?;
                    }
                }
                writer.write_str(": ")?;
            }
        }
        writer.write_str(meta.target())?;
        writer.write_str(": ")?;
        let mut fields = FieldWriter::new(&mut writer);
        event.record(&mut fields);
        fields.finish()?;
        writer.write_char('\n')
    }
}

impl<'writer> FormatFields<'writer> for LineFields {
    fn format_fields<R: RecordFields>(&self, mut writer: Writer<'writer>, fields: R) -> fmt::Result {
        let mut visitor = FieldWriter::new(&mut writer);
        fields.record(&mut visitor);
        visitor.finish()
    }
}

/// ` INFO ` and the like, right-aligned in five columns like tracing's own format.
pub(crate) fn padded_level(level: Level) -> &'static str {
    match level {
        Level::TRACE => " TRACE ",
        Level::DEBUG => " DEBUG ",
        Level::INFO => "  INFO ",
        Level::WARN => "  WARN ",
        _ => " ERROR ",
    }
}

/// Writes an event's fields as `message key=value …` by the rules in the module docs.
pub(crate) struct FieldWriter<'w, W: Write> {
    out: &'w mut W,
    first: bool,
    result: fmt::Result,
}

impl<'w, W: Write> FieldWriter<'w, W> {
    /// A visitor writing into `out`; the first field gets no leading space.
    pub(crate) fn new(out: &'w mut W) -> Self {
        Self { out, first: true, result: Ok(()) }
    }

    /// Whether every field could be written.
    pub(crate) fn finish(self) -> fmt::Result {
        self.result
    }

    fn start(&mut self, field: &Field) -> fmt::Result {
        if !std::mem::take(&mut self.first) {
            self.out.write_char(' ')?;
        }
        if field.name() != "message" {
            self.out.write_str(field.name())?;
            self.out.write_char('=')?;
        }
        Ok(())
    }

    fn write_str_field(&mut self, field: &Field, value: &str) -> fmt::Result {
        self.start(field)?;
        if field.name() == "message" {
            EscapeControls(&mut *self.out).write_str(value)
        } else if is_plain(value) {
            self.out.write_str(value)
        } else {
            write!(self.out, "{value:?}")
        }
    }

    /// Runs `write` unless an earlier field failed, keeping the first failure.
    fn record_with(&mut self, write: impl FnOnce(&mut Self) -> fmt::Result) {
        if self.result.is_ok() {
            self.result = write(self);
        }
    }

    /// Numbers and booleans: nothing in them needs escaping.
    fn write_display_field(&mut self, field: &Field, value: impl fmt::Display) -> fmt::Result {
        self.start(field)?;
        write!(self.out, "{value}")
    }

    fn write_debug_field(&mut self, field: &Field, value: &dyn fmt::Debug) -> fmt::Result {
        self.start(field)?;
        write!(EscapeControls(&mut *self.out), "{value:?}")
    }
}

impl<W: Write> Visit for FieldWriter<'_, W> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.record_with(|w| w.write_str_field(field, value));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.record_with(|w| w.write_debug_field(field, value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.record_with(|w| w.write_display_field(field, value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.record_with(|w| w.write_display_field(field, value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.record_with(|w| w.write_display_field(field, value));
    }
}

/// A string that reads the same unquoted: printable ASCII, no space, quote or backslash.
fn is_plain(value: &str) -> bool {
    !value.is_empty() && value.bytes().all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\')
}

/// Passes text through with control characters written as `\n`, `\r`, `\t` or `\u{1b}`.
struct EscapeControls<'a, W: Write>(&'a mut W);

impl<W: Write> Write for EscapeControls<'_, W> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        let mut rest = text;
        while let Some(at) = first_control(rest) {
            self.0.write_str(&rest[..at])?;
            let mut chars = rest[at..].chars();
            match chars.next().unwrap_or_default() {
                '\n' => self.0.write_str("\\n")?,
                '\r' => self.0.write_str("\\r")?,
                '\t' => self.0.write_str("\\t")?,
                other => write!(self.0, "\\u{{{:x}}}", u32::from(other))?,
            }
            rest = chars.as_str();
        }
        self.0.write_str(rest)
    }
}

/// Where the first control character (C0, DEL or C1) of `text` starts, found byte-wise.
fn first_control(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(found) = bytes[from..].iter().position(|&b| b < 0x20 || b == 0x7f || b == 0xc2) {
        let at = from + found;
        // 0xC2 leads U+0080..U+00BF; of those, U+0080..U+009F are the C1 controls.
        if bytes[at] != 0xc2 || bytes.get(at + 1).is_some_and(|b| (0x80..0xa0).contains(b)) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex, PoisonError};
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap_or_else(PoisonError::into_inner).extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Self;
        fn make_writer(&'a self) -> Self {
            self.clone()
        }
    }

    fn lines_of(emit: impl FnOnce()) -> Vec<String> {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .with_max_level(Level::TRACE)
            .with_writer(captured.clone())
            .event_format(LineFormat)
            .fmt_fields(LineFields)
            .finish();
        tracing::subscriber::with_default(subscriber, emit);
        let bytes = captured.0.lock().unwrap_or_else(PoisonError::into_inner).clone();
        String::from_utf8_lossy(&bytes).lines().map(str::to_owned).collect()
    }

    #[test]
    fn a_line_has_time_level_target_message_and_fields() {
        let lines = lines_of(|| {
            let device = "ApplA1B2C3";
            tracing::info!(target: "postern::decision", device = %device, user = "CORP\\alice", command = "Sync", status = 200u16, retried = false, "ActiveSync request decided");
        });
        assert_eq!(lines.len(), 1, "{lines:?}");
        let line = &lines[0];
        assert_eq!(
            &line[26..],
            "Z  INFO postern::decision: ActiveSync request decided device=ApplA1B2C3 user=\"CORP\\\\alice\" command=Sync status=200 retried=false",
            "{line}"
        );
    }

    #[test]
    fn client_bytes_cannot_start_a_line_of_their_own() {
        let lines = lines_of(|| {
            let forged = "x\n2026-01-01T00:00:00.000000Z  INFO postern::decision: allowed";
            tracing::warn!(user = forged, "bad request from {}", forged);
            tracing::warn!(device = %forged, reason = ?forged, "display and debug values");
            tracing::warn!(empty = "", spaced = "a b", escape = "\u{1b}[31m", "odd strings");
        });
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert!(lines[0].contains("bad request from x\\n2026"), "{}", lines[0]);
        assert!(lines[0].contains("user=\"x\\n2026"), "{}", lines[0]);
        assert!(lines[1].contains("device=x\\n2026") && lines[1].contains("reason=\"x\\n2026"), "{}", lines[1]);
        assert!(lines[2].ends_with("odd strings empty=\"\" spaced=\"a b\" escape=\"\\u{1b}[31m\""), "{}", lines[2]);
    }

    #[test]
    fn the_byte_scan_finds_exactly_the_control_characters() {
        let mut buf = [0u8; 4];
        for c in (0..=0x10_ffff).filter_map(char::from_u32) {
            let text = c.encode_utf8(&mut buf);
            assert_eq!(first_control(text), c.is_control().then_some(0), "U+{:04X}", u32::from(c));
        }
        assert_eq!(first_control("ab\u{a0}\u{85}"), Some(4));
    }

    #[test]
    fn c1_controls_are_escaped_and_other_latin1_letters_are_not() {
        let mut out = String::new();
        write!(EscapeControls(&mut out), "a\u{85}b\u{a9}c\u{9f}é\u{7f}").unwrap_or_default();
        assert_eq!(out, "a\\u{85}b\u{a9}c\\u{9f}é\\u{7f}");
    }

    #[test]
    fn span_fields_come_before_the_target() {
        let lines = lines_of(|| {
            let span = tracing::info_span!("conn", peer = "192.0.2.7:4711");
            let _entered = span.enter();
            tracing::error!(target: "postern::proxy", "back end unreachable");
        });
        assert!(
            lines[0].contains(" ERROR conn{peer=192.0.2.7:4711}: postern::proxy: back end unreachable"),
            "{}",
            lines[0]
        );
    }

    #[test]
    fn every_level_is_right_aligned_in_five_columns() {
        let lines = lines_of(|| {
            tracing::trace!("t");
            tracing::debug!("d");
            tracing::info!("i");
            tracing::warn!("w");
            tracing::error!("e");
        });
        let levels: Vec<&str> = lines.iter().map(|l| &l[27..34]).collect();
        assert_eq!(levels, [" TRACE ", " DEBUG ", "  INFO ", "  WARN ", " ERROR "]);
    }
}
