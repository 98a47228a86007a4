//! `show checkins`: the status as a fixed-width table.

use crate::health::UemHealth;
use crate::outcome::RunResult;
use crate::status::{CheckinStatus, StatusReport};
use std::fmt::Write;
use std::time::Duration;

/// Longest error text shown in the table, in characters (the full text is in the record).
const ERROR_COLUMN_MAX: usize = 60;

/// The report as a table: a header, one line per check-in, then the UEM's health. Times
/// are shown relative to the report's moment ("12s ago", "in 18s").
pub fn render_table(report: &StatusReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<15} {:<9} {:<9} {:<10} {:<7} {:<14} {:<13} {:>5} {:>7} {:>7} {:>7} {:>7} {:>9}  ERROR",
        "CHECK-IN",
        "MODE",
        "INTERVAL",
        "LAST RUN",
        "TOOK",
        "RESULT",
        "NEXT",
        "FAILS",
        "RUNS",
        "OK",
        "FAILED",
        "RESYNCS",
        "ITEMS"
    );
    for row in &report.checkins {
        line(&mut out, report.now, row);
    }
    let _ = writeln!(out, "UEM: {}", health(report.now, report.uem));
    out
}

fn line(out: &mut String, now: Duration, row: &CheckinStatus) {
    let mode = match (row.supported, row.long_poll) {
        (false, _) => "-",
        (true, true) => "long-poll",
        (true, false) => "poll",
    };
    let (last, took, result) = match row.last_run {
        Some(run) => (
            format!("{} ago", human(now.saturating_sub(run.ended))),
            human(run.ended.saturating_sub(run.started)),
            run.result.name().to_owned(),
        ),
        None => ("-".to_owned(), "-".to_owned(), "-".to_owned()),
    };
    let next = match (row.supported, row.running_since, row.next_run_in) {
        (false, _, _) => "never".to_owned(),
        (true, Some(since), _) => format!("running {}", human(now.saturating_sub(since))),
        (true, None, Some(wait)) if wait.is_zero() => "now".to_owned(),
        (true, None, Some(wait)) => format!("in {}", human(wait)),
        (true, None, None) => "-".to_owned(),
    };
    let last_ok = row.last_run.is_some_and(|r| r.result == RunResult::Success);
    let error = match &row.last_error {
        Some(e) if !last_ok => shorten(&e.text),
        _ => "-".to_owned(),
    };
    let c = &row.counts;
    let _ = writeln!(
        out,
        "{:<15} {:<9} {:<9} {:<10} {:<7} {:<14} {:<13} {:>5} {:>7} {:>7} {:>7} {:>7} {:>9}  {}",
        row.kind.name(),
        mode,
        human(row.interval),
        last,
        took,
        result,
        next,
        row.consecutive_failures,
        c.runs,
        c.successes,
        c.failures,
        c.resyncs,
        c.items,
        error
    );
}

fn health(now: Duration, uem: UemHealth) -> String {
    match uem {
        UemHealth::Unknown => "not contacted yet".to_owned(),
        UemHealth::Reachable { since } => {
            format!("reachable (for {})", human(now.saturating_sub(since)))
        }
        UemHealth::Unreachable { since } => {
            format!("unreachable for {}; new devices follow the outage rules", human(now.saturating_sub(since)))
        }
    }
}

/// A duration as operators read it: `0.4s`, `18s`, `5m03s`, `2h03m`, `3d04h`.
fn human(d: Duration) -> String {
    let secs = d.as_secs();
    match secs {
        0..10 => format!("{}.{}s", secs, d.subsec_millis() / 100),
        10..60 => format!("{secs}s"),
        60..3_600 => format!("{}m{:02}s", secs / 60, secs % 60),
        3_600..86_400 => format!("{}h{:02}m", secs / 3_600, secs % 3_600 / 60),
        _ => format!("{}d{:02}h", secs / 86_400, secs % 86_400 / 3_600),
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() <= ERROR_COLUMN_MAX {
        return text.to_owned();
    }
    let mut s: String = text.chars().take(ERROR_COLUMN_MAX - 1).collect();
    s.push('…');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations_pick_the_right_unit() {
        let cases = [
            (Duration::from_millis(400), "0.4s"),
            (Duration::from_millis(9_999), "9.9s"),
            (Duration::from_secs(18), "18s"),
            (Duration::from_secs(303), "5m03s"),
            (Duration::from_secs(7_380), "2h03m"),
            (Duration::from_secs(273_600), "3d04h"),
        ];
        for (d, want) in cases {
            assert_eq!(human(d), want, "{d:?}");
        }
    }

    #[test]
    fn long_errors_are_shortened_for_the_column() {
        let long = "e".repeat(200);
        let s = shorten(&long);
        assert_eq!(s.chars().count(), ERROR_COLUMN_MAX);
        assert!(s.ends_with('…'));
        assert_eq!(shorten("short"), "short");
    }
}
