//! The UEM's health and the `UemBack` event (S3, S5).

mod common;

use common::{ok, outage, run, scheduler, secs};
use postern_checkin::{CheckinKind, HealthEvent, Outcome, UemHealth};

use CheckinKind::{Compliance, Inventory, TunnelActions};

fn local_failure() -> Outcome<String> {
    Outcome::Failed { error: "cache write failed".to_owned(), retry_after: None, outage: false }
}

#[test]
fn health_starts_unknown_and_a_first_success_is_not_a_comeback() {
    let mut s = scheduler();
    assert_eq!(s.health(), UemHealth::Unknown);
    s.started(Compliance, secs(1));
    assert_eq!(s.finished(Compliance, secs(2), ok(0)), None);
    assert_eq!(s.health(), UemHealth::Reachable { since: secs(2) });
}

#[test]
fn uem_back_is_reported_exactly_once_per_outage() {
    let mut s = scheduler();
    let mut backs = 0;
    let mut losses = 0;
    let script = [
        (Compliance, 0, ok(0)),
        (Inventory, 1, outage()),
        (TunnelActions, 2, outage()),
        (Compliance, 3, outage()),
        (Inventory, 10, ok(0)),
        (Compliance, 11, ok(0)),
        (TunnelActions, 12, ok(0)),
        (Compliance, 40, outage()),
        (Compliance, 45, ok(0)),
        (Compliance, 75, ok(0)),
    ];
    for (kind, t, outcome) in script {
        s.started(kind, secs(t));
        match s.finished(kind, secs(t), outcome) {
            Some(HealthEvent::UemBack { down_since, back_at }) => {
                backs += 1;
                assert!(down_since < back_at);
            }
            Some(HealthEvent::UemLost { .. }) => losses += 1,
            Some(_) | None => {}
        }
    }
    assert_eq!((losses, backs), (2, 2));
    assert_eq!(s.health(), UemHealth::Reachable { since: secs(45) });
}

#[test]
fn uem_back_carries_when_the_outage_began() {
    let mut s = scheduler();
    s.started(Compliance, secs(0));
    assert_eq!(s.finished(Compliance, secs(0), outage()), Some(HealthEvent::UemLost { since: secs(0) }));
    run(&mut s, Inventory, secs(4), outage());
    assert_eq!(s.health(), UemHealth::Unreachable { since: secs(0) });
    s.started(Compliance, secs(5));
    assert_eq!(
        s.finished(Compliance, secs(5), ok(0)),
        Some(HealthEvent::UemBack { down_since: secs(0), back_at: secs(5) })
    );
}

#[test]
fn local_failures_and_unsupported_say_nothing_about_the_uem() {
    let mut s = scheduler();
    run(&mut s, Compliance, secs(0), ok(0));
    s.started(Inventory, secs(1));
    assert_eq!(s.finished(Inventory, secs(1), local_failure()), None);
    s.started(TunnelActions, secs(2));
    assert_eq!(s.finished(TunnelActions, secs(2), Outcome::Unsupported), None);
    assert_eq!(s.health(), UemHealth::Reachable { since: secs(0) });
}

#[test]
fn a_refused_cursor_shows_the_uem_is_back() {
    let mut s = scheduler();
    run(&mut s, Compliance, secs(0), outage());
    s.started(Compliance, secs(5));
    let event = s.finished(Compliance, secs(5), Outcome::CursorRefused);
    assert_eq!(event, Some(HealthEvent::UemBack { down_since: secs(0), back_at: secs(5) }));
}
