//! The worked example of the README, step by step.

mod common;

use common::{outage, scheduler, throttled};
use postern_checkin::{CheckinKind, HealthEvent, Outcome};
use std::time::Duration;

fn at(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

fn success(cursor: Option<&str>, items: u64, more: bool) -> Outcome<String> {
    Outcome::Success { new_cursor: cursor.map(str::to_owned), items, more }
}

/// Start ms, end ms, outcome, expected event, expected next run ms.
type Step = (u64, u64, Outcome<String>, Option<HealthEvent>, u64);

#[test]
fn the_readme_timeline_holds() {
    let mut s = scheduler();
    let c = CheckinKind::Compliance;
    let lost = Some(HealthEvent::UemLost { since: at(60_300) });
    let back = Some(HealthEvent::UemBack { down_since: at(60_300), back_at: at(175_300) });
    let steps: Vec<Step> = vec![
        (0, 300, success(Some("c1"), 4, false), None, 30_300),
        (30_300, 30_300, success(None, 0, false), None, 60_300),
        (60_300, 60_300, outage(), lost, 65_300),
        (65_300, 65_300, outage(), None, 75_300),
        (75_300, 75_300, throttled(Duration::from_secs(60)), None, 135_300),
        (135_300, 135_300, outage(), None, 175_300),
        (175_300, 175_300, success(None, 0, false), back, 205_300),
        (205_300, 205_300, Outcome::CursorRefused, None, 205_300),
        (205_300, 205_900, success(Some("c9"), 1_200, true), None, 205_900),
        (205_900, 206_500, success(Some("c10"), 300, false), None, 236_500),
    ];
    for (start, end, outcome, event, next) in steps {
        assert!(s.due(at(start)).any(|k| k == c), "not due at {start}");
        s.started(c, at(start));
        assert_eq!(s.finished(c, at(end), outcome), event, "event at {end}");
        assert_eq!(s.next_due(c), Some(at(next)), "next after {end}");
    }
    assert_eq!(s.cursor(c).map(String::as_str), Some("c10"));
    let counts = s.status(at(206_500)).checkins[0].counts;
    assert_eq!((counts.runs, counts.successes, counts.failures, counts.resyncs), (10, 5, 4, 1));
    assert_eq!(counts.items, 4 + 1_200 + 300);
}
