//! Cursors, full resyncs, unsupported check-ins, long-poll and triggers.

mod common;

use common::{ok, ok_with_cursor, outage, run, scheduler, secs, settings, throttled};
use postern_checkin::{CheckinError, CheckinKind, LONG_POLL_MIN_CYCLE, Outcome, RunResult};
use std::time::Duration;

use CheckinKind::{Compliance, Inventory, TunnelActions};

#[test]
fn the_cursor_is_kept_across_successes_and_failures() {
    let mut s = scheduler();
    assert_eq!(s.cursor(Compliance), None);
    run(&mut s, Compliance, secs(0), ok_with_cursor("c1"));
    assert_eq!(s.cursor(Compliance).map(String::as_str), Some("c1"));
    run(&mut s, Compliance, secs(30), ok(0));
    assert_eq!(s.cursor(Compliance).map(String::as_str), Some("c1"));
    run(&mut s, Compliance, secs(60), outage());
    assert_eq!(s.cursor(Compliance).map(String::as_str), Some("c1"));
    run(&mut s, Compliance, secs(65), ok_with_cursor("c2"));
    assert_eq!(s.cursor(Compliance).map(String::as_str), Some("c2"));
    assert_eq!(s.cursor(TunnelActions), None, "cursors are per check-in");
}

#[test]
fn a_refused_cursor_is_dropped_and_a_full_pull_follows_at_once() {
    let mut s = scheduler();
    run(&mut s, TunnelActions, secs(0), ok_with_cursor("a9"));
    let next = run(&mut s, TunnelActions, secs(60), Outcome::CursorRefused);
    assert_eq!(next, Some(secs(60)));
    assert_eq!(s.cursor(TunnelActions), None);
    let st = &s.status(secs(60)).checkins[1];
    assert_eq!(st.counts.resyncs, 1);
    assert_eq!(st.counts.failures, 0);
    assert_eq!(st.last_run.map(|r| r.result), Some(RunResult::CursorRefused));
    assert!(!st.has_cursor);
}

#[test]
fn a_cursor_refused_without_a_cursor_backs_off_instead_of_spinning() {
    let mut s = scheduler();
    let next = run(&mut s, Compliance, secs(10), Outcome::CursorRefused);
    assert_eq!(next, Some(secs(15)));
    let st = &s.status(secs(10)).checkins[0];
    assert_eq!(st.counts.failures, 1);
    assert_eq!(st.counts.resyncs, 0);
    assert_eq!(st.last_run.map(|r| r.result), Some(RunResult::Failed));
}

#[test]
fn an_unsupported_check_in_is_never_scheduled_again() {
    let mut s = scheduler();
    assert_eq!(run(&mut s, Inventory, secs(0), Outcome::Unsupported), None);
    for t in [0, 301, 10_000, 10_000_000] {
        assert!(!s.due(secs(t)).any(|k| k == Inventory));
    }
    assert_eq!(s.run_now(Inventory), Err(CheckinError::Unsupported { kind: Inventory }));
    s.reconfigure(&settings(), secs(5));
    assert_eq!(s.next_due(Inventory), None);
    let st = &s.status(secs(5)).checkins[2];
    assert!(!st.supported);
    assert_eq!(st.next_run_in, None);
    // Only the supported check-ins are waited for.
    run(&mut s, Compliance, secs(5), ok(0));
    run(&mut s, TunnelActions, secs(5), ok(0));
    assert_eq!(s.next_wake(secs(5)), Some(secs(30)));
}

#[test]
fn marking_unsupported_up_front_keeps_it_from_ever_running() {
    let mut s = scheduler();
    s.mark_unsupported(TunnelActions);
    assert_eq!(s.due(secs(0)).collect::<Vec<_>>(), vec![Compliance, Inventory]);
    assert!(!s.status(secs(0)).checkins[1].supported);
}

#[test]
fn long_poll_runs_back_to_back_with_the_scheduler_s_wait() {
    let mut s = scheduler();
    assert_eq!(s.poll_wait(Compliance), Duration::ZERO);
    s.set_long_poll(Compliance, true);
    assert_eq!(s.poll_wait(Compliance), secs(30));
    assert_eq!(s.poll_wait(TunnelActions), Duration::ZERO);
    // Held for the full wait with nothing new: again at once.
    s.started(Compliance, secs(0));
    s.finished(Compliance, secs(30), ok(0));
    assert_eq!(s.next_due(Compliance), Some(secs(30)));
    // Answered early with a change: again at once.
    s.started(Compliance, secs(30));
    s.finished(Compliance, secs(31), ok(2));
    assert_eq!(s.next_due(Compliance), Some(secs(31)));
    // Answered at once with nothing (the UEM did not hold it): not sooner than the cycle.
    s.started(Compliance, secs(40));
    s.finished(Compliance, secs(40), ok(0));
    assert_eq!(s.next_due(Compliance), Some(secs(40) + LONG_POLL_MIN_CYCLE));
    // A failure backs off as usual.
    assert_eq!(run(&mut s, Compliance, secs(50), outage()), Some(secs(55)));
}

#[test]
fn long_poll_wait_follows_a_shorter_interval() {
    let mut cfg = settings();
    cfg.compliance_interval_secs = 10;
    let mut s: postern_checkin::Scheduler<String> = postern_checkin::Scheduler::new(&cfg, 1);
    s.set_long_poll(Compliance, true);
    assert_eq!(s.poll_wait(Compliance), secs(10));
}

#[test]
fn run_now_overrides_back_off_and_retry_after() {
    let mut s = scheduler();
    run(&mut s, Compliance, secs(0), throttled(secs(600)));
    assert!(!s.due(secs(1)).any(|k| k == Compliance));
    assert_eq!(s.run_now(Compliance), Ok(()));
    assert!(s.due(secs(1)).any(|k| k == Compliance));
}

#[test]
fn run_now_while_running_is_refused() {
    let mut s = scheduler();
    s.started(Inventory, secs(0));
    assert_eq!(s.run_now(Inventory), Err(CheckinError::AlreadyRunning { kind: Inventory }));
}

#[test]
fn reconfigure_brings_a_run_forward_but_keeps_cursors() {
    let mut s = scheduler();
    run(&mut s, Inventory, secs(0), ok_with_cursor("inv"));
    assert_eq!(s.next_due(Inventory), Some(secs(300)));
    let mut cfg = settings();
    cfg.inventory_interval_secs = 20;
    s.reconfigure(&cfg, secs(10));
    assert_eq!(s.next_due(Inventory), Some(secs(30)));
    assert_eq!(s.cursor(Inventory).map(String::as_str), Some("inv"));
    assert_eq!(s.status(secs(10)).checkins[2].interval, secs(20));
}

#[test]
fn reconfigure_to_a_longer_interval_applies_from_the_next_run() {
    let mut s = scheduler();
    run(&mut s, Compliance, secs(0), ok(0));
    let mut cfg = settings();
    cfg.compliance_interval_secs = 120;
    s.reconfigure(&cfg, secs(10));
    assert_eq!(s.next_due(Compliance), Some(secs(30)));
    assert_eq!(run(&mut s, Compliance, secs(30), ok(0)), Some(secs(150)));
}

#[test]
fn reconfigure_never_undercuts_retry_after() {
    let mut s = scheduler();
    run(&mut s, Compliance, secs(0), throttled(secs(200)));
    let mut cfg = settings();
    cfg.compliance_interval_secs = 5;
    cfg.backoff_cap_secs = 5;
    s.reconfigure(&cfg, secs(1));
    assert_eq!(s.next_due(Compliance), Some(secs(200)));
}

#[test]
fn finishing_a_run_that_was_never_started_is_recorded_not_fatal() {
    let mut s = scheduler();
    s.finished(TunnelActions, secs(9), ok(3));
    let run = s.status(secs(9)).checkins[1].last_run;
    assert_eq!(run.map(|r| (r.started, r.ended, r.items)), Some((secs(9), secs(9), 3)));
}
