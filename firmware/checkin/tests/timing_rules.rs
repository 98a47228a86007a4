//! Intervals, jitter, back-off and Retry-After.

mod common;

use common::{ok, outage, run, scheduler, secs, settings, throttled};
use postern_checkin::{CheckinKind, Outcome, RETRY_AFTER_MAX, Scheduler};
use std::time::Duration;

use CheckinKind::{Compliance, Inventory, TunnelActions};

#[test]
fn every_check_in_is_due_at_start() {
    let s = scheduler();
    assert_eq!(s.due(Duration::ZERO).collect::<Vec<_>>(), CheckinKind::ALL.to_vec());
    assert_eq!(s.next_wake(Duration::ZERO), Some(Duration::ZERO));
}

#[test]
fn intervals_are_honoured_per_kind() {
    let mut s = scheduler();
    let t = secs(1);
    assert_eq!(run(&mut s, Compliance, t, ok(0)), Some(secs(31)));
    assert_eq!(run(&mut s, TunnelActions, t, ok(0)), Some(secs(61)));
    assert_eq!(run(&mut s, Inventory, t, ok(0)), Some(secs(301)));
    assert_eq!(s.due(secs(31) - Duration::from_millis(1)).count(), 0);
    assert_eq!(s.due(secs(31)).collect::<Vec<_>>(), vec![Compliance]);
    assert_eq!(s.next_wake(secs(11)), Some(secs(20)));
    assert_eq!(s.due(secs(301)).count(), 3);
}

#[test]
fn a_running_check_in_is_not_due_and_not_waited_for() {
    let mut s = scheduler();
    s.started(Compliance, secs(0));
    assert!(!s.due(secs(100)).any(|k| k == Compliance));
    assert_eq!(s.next_due(Compliance), None);
    for kind in [TunnelActions, Inventory] {
        s.started(kind, secs(0));
    }
    assert_eq!(s.next_wake(secs(100)), None);
    s.finished(Compliance, secs(2), ok(0));
    assert_eq!(s.next_wake(secs(2)), Some(secs(30)));
}

#[test]
fn jitter_stays_within_the_percentage_and_spreads() {
    let mut cfg = settings();
    cfg.jitter_percent = 20;
    let mut s: Scheduler<String> = Scheduler::new(&cfg, 7);
    let mut now = Duration::ZERO;
    let mut waits = Vec::new();
    for _ in 0..300 {
        let next = run(&mut s, Compliance, now, ok(0)).unwrap_or_default();
        let wait = next - now;
        assert!(wait >= secs(24) && wait <= secs(36), "{wait:?}");
        waits.push(wait);
        now = next;
    }
    assert!(waits.iter().any(|w| *w < secs(26)), "never near the low end");
    assert!(waits.iter().any(|w| *w > secs(34)), "never near the high end");
}

#[test]
fn the_seed_determines_the_jitter() {
    let mut cfg = settings();
    cfg.jitter_percent = 10;
    let trace = |seed| {
        let mut s: Scheduler<String> = Scheduler::new(&cfg, seed);
        (0..10u64).map(|i| run(&mut s, Compliance, secs(i * 100), ok(0))).collect::<Vec<_>>()
    };
    assert_eq!(trace(1), trace(1));
    assert_ne!(trace(1), trace(2));
}

#[test]
fn backoff_doubles_is_capped_and_resets_on_success() {
    let mut cfg = settings();
    cfg.backoff_cap_secs = 60;
    let mut s: Scheduler<String> = Scheduler::new(&cfg, 0);
    let mut now = secs(10);
    let mut waits = Vec::new();
    for _ in 0..6 {
        let next = run(&mut s, Compliance, now, outage()).unwrap_or_default();
        waits.push((next - now).as_secs());
        now = next;
    }
    assert_eq!(waits, vec![5, 10, 20, 40, 60, 60]);
    assert_eq!(s.status(now).checkins[0].consecutive_failures, 6);
    assert_eq!(run(&mut s, Compliance, now, ok(0)), Some(now + secs(30)));
    assert_eq!(s.status(now).checkins[0].consecutive_failures, 0);
    assert_eq!(run(&mut s, Compliance, now, outage()), Some(now + secs(5)));
}

#[test]
fn retry_after_is_never_undercut() {
    let mut s = scheduler();
    let now = secs(50);
    assert_eq!(run(&mut s, Compliance, now, throttled(secs(100))), Some(now + secs(100)));
    // A short Retry-After does not shorten the back-off (second failure: 10 s).
    assert_eq!(run(&mut s, Compliance, now, throttled(secs(1))), Some(now + secs(10)));
}

#[test]
fn an_absurd_retry_after_is_cut_to_the_maximum() {
    let mut s = scheduler();
    let now = secs(5);
    let next = run(&mut s, Inventory, now, throttled(secs(10 * 86_400)));
    assert_eq!(next, Some(now + RETRY_AFTER_MAX));
}

#[test]
fn more_to_pull_runs_again_at_once() {
    let mut s = scheduler();
    let more = Outcome::Success { new_cursor: Some("p1".to_owned()), items: 500, more: true };
    assert_eq!(run(&mut s, Compliance, secs(3), more), Some(secs(3)));
    assert_eq!(s.due(secs(3)).collect::<Vec<_>>(), vec![Compliance, TunnelActions, Inventory]);
}

#[test]
fn a_failing_inventory_push_does_not_delay_the_pulls() {
    let mut s = scheduler();
    let mut runs = [0u32; 3];
    for t in 0..=600u64 {
        let now = secs(t);
        for kind in s.due(now) {
            s.started(kind, now);
            let outcome = if kind == Inventory { throttled(secs(120)) } else { ok(1) };
            s.finished(kind, now, outcome);
            runs[kind.index_for_tests()] += 1;
        }
    }
    // Compliance at 0, 30, …, 600; tunnel actions at 0, 60, …, 600; inventory every 120 s.
    assert_eq!(runs, [21, 11, 6]);
}

trait IndexForTests {
    fn index_for_tests(self) -> usize;
}

impl IndexForTests for CheckinKind {
    fn index_for_tests(self) -> usize {
        CheckinKind::ALL.iter().position(|k| *k == self).unwrap_or(usize::MAX)
    }
}

#[test]
fn a_slow_compliance_run_does_not_hold_back_the_others() {
    let mut s = scheduler();
    s.started(Compliance, secs(0));
    run(&mut s, TunnelActions, secs(0), ok(0));
    assert_eq!(s.due(secs(60)).collect::<Vec<_>>(), vec![TunnelActions, Inventory]);
}
