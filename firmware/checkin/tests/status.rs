//! Status records and the `show checkins` table.

mod common;

use common::{ok, ok_with_cursor, outage, run, scheduler, secs, throttled};
use postern_checkin::{CheckinKind, ERROR_TEXT_MAX, Outcome, RunResult, StatusReport, UemHealth, render_table};
use std::time::Duration;

use CheckinKind::{Compliance, Inventory, TunnelActions};

fn busy_scheduler() -> postern_checkin::Scheduler<String> {
    let mut s = scheduler();
    s.set_long_poll(Compliance, true);
    s.started(Compliance, secs(100));
    s.finished(Compliance, secs(101), ok_with_cursor("c7"));
    s.started(Compliance, secs(101));
    run(&mut s, TunnelActions, secs(90), ok(4));
    run(&mut s, TunnelActions, secs(150), throttled(secs(45)));
    run(&mut s, Inventory, secs(95), Outcome::Unsupported);
    s
}

#[test]
fn status_reports_every_field_per_check_in() {
    let s = busy_scheduler();
    let report = s.status(secs(160));
    assert_eq!(report.now, secs(160));
    assert_eq!(report.uem, UemHealth::Unreachable { since: secs(150) });
    let [c, t, i] = report.checkins.as_slice() else {
        panic!("expected three check-ins, got {}", report.checkins.len());
    };
    assert_eq!((c.kind, t.kind, i.kind), (Compliance, TunnelActions, Inventory));

    assert!(c.long_poll && c.supported && c.has_cursor);
    assert_eq!(c.running_since, Some(secs(101)));
    assert_eq!(c.next_run_in, None);
    assert_eq!(c.last_run.map(|r| (r.started, r.ended, r.result)), Some((secs(100), secs(101), RunResult::Success)));

    assert_eq!(t.interval, secs(60));
    assert_eq!(t.consecutive_failures, 1);
    assert_eq!(t.next_run_in, Some(secs(35)));
    assert_eq!((t.counts.runs, t.counts.successes, t.counts.failures, t.counts.items), (2, 1, 1, 4));
    assert_eq!(t.last_error.as_ref().map(|e| (e.at, e.text.as_str())), Some((secs(150), "429 too many requests")));

    assert!(!i.supported);
    assert_eq!(i.next_run_in, None);
}

#[test]
fn status_round_trips_through_json_with_millisecond_fields() {
    let report = busy_scheduler().status(secs(160));
    let json = serde_json::to_string(&report).unwrap_or_default();
    assert!(json.contains(r#""kind":"tunnel-actions""#), "{json}");
    assert!(json.contains(r#""next_run_in_ms":35000"#), "{json}");
    assert!(json.contains(r#""running_since_ms":101000"#), "{json}");
    let back: Result<StatusReport, _> = serde_json::from_str(&json);
    assert_eq!(back.ok(), Some(report));
}

#[test]
fn the_table_has_a_line_per_check_in_and_the_uem_line() {
    let text = render_table(&busy_scheduler().status(secs(160)));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(lines[0].starts_with("CHECK-IN"));
    assert!(lines[1].starts_with("compliance") && lines[1].contains("long-poll"));
    assert!(lines[1].contains("running 59s"), "{}", lines[1]);
    assert!(lines[2].starts_with("tunnel-actions") && lines[2].contains("in 35s"), "{}", lines[2]);
    assert!(lines[2].contains("failed") && lines[2].ends_with("429 too many requests"));
    assert!(lines[3].starts_with("inventory") && lines[3].contains("never"));
    assert!(lines[3].contains("not supported by the UEM connector"));
    assert_eq!(lines[4], "UEM: unreachable for 10s; new devices follow the outage rules");
}

#[test]
fn table_columns_line_up() {
    let text = render_table(&busy_scheduler().status(secs(160)));
    let header = text.lines().next().unwrap_or_default();
    let at = |name: &str| header.find(name).unwrap_or(usize::MAX);
    for line in text.lines().skip(1).take(3) {
        // Every row has a space just before each fixed-width column start.
        for col in ["MODE", "INTERVAL", "LAST RUN", "TOOK", "RESULT", "NEXT", "FAILS"] {
            let i = at(col);
            assert_eq!(line.as_bytes().get(i - 1), Some(&b' '), "{col} in {line:?}");
        }
    }
}

#[test]
fn an_error_is_shown_only_while_the_last_run_was_not_a_success() {
    let mut s = scheduler();
    run(&mut s, Compliance, secs(0), outage());
    let failing = render_table(&s.status(secs(1)));
    assert!(failing.lines().nth(1).is_some_and(|l| l.ends_with("connection refused")));
    run(&mut s, Compliance, secs(5), ok(0));
    let recovered = render_table(&s.status(secs(6)));
    assert!(recovered.lines().nth(1).is_some_and(|l| l.ends_with(" -")));
    // The record keeps it, with its time.
    assert_eq!(s.status(secs(6)).checkins[0].last_error.as_ref().map(|e| e.at), Some(secs(0)));
    assert!(recovered.ends_with("UEM: reachable (for 1.0s)\n"), "{recovered}");
}

#[test]
fn error_text_is_bounded_and_single_line() {
    let mut s = scheduler();
    let error = format!("line one\nline two {}", "x".repeat(10_000));
    let failed = Outcome::Failed { error, retry_after: None, outage: false };
    run(&mut s, Inventory, secs(0), failed);
    let text = s.status(secs(0)).checkins[2].last_error.clone().map(|e| e.text).unwrap_or_default();
    assert!(text.len() <= ERROR_TEXT_MAX);
    assert!(text.starts_with("line one line two x"));
    assert!(!text.contains('\n'));
}

#[test]
fn a_fresh_scheduler_renders_without_runs() {
    let text = render_table(&scheduler().status(Duration::ZERO));
    assert!(text.lines().nth(1).is_some_and(|l| l.contains(" now ")));
    assert!(text.ends_with("UEM: not contacted yet\n"));
}

#[test]
fn the_readme_shows_the_table_as_rendered() {
    let text = render_table(&busy_scheduler().status(secs(160)));
    let readme = include_str!("../README.md");
    assert!(readme.contains(&text), "README table is stale; now:\n{text}");
}
