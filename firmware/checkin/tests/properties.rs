//! Properties of the scheduler over random sequences of runs, outcomes and triggers.

use postern_checkin::{CheckinKind, HealthEvent, MIN_PERIOD, Outcome, RETRY_AFTER_MAX, Scheduler, UemHealth};
use postern_config::CheckinSettings;
use proptest::prelude::*;
use std::time::Duration;

#[derive(Debug, Clone)]
enum Op {
    Advance(u64),
    Start(usize),
    Finish(usize, Outcome<String>),
    RunNow(usize),
    LongPoll(usize, bool),
    Reconfigure(CheckinSettings),
}

fn settings(jitter_max: u32) -> impl Strategy<Value = CheckinSettings> {
    (0u32..=4_000, 0u32..=4_000, 0u32..=90_000, 0..=jitter_max, 0u32..=4_000).prop_map(|(c, t, i, j, cap)| {
        CheckinSettings {
            compliance_interval_secs: c,
            tunnel_actions_interval_secs: t,
            inventory_interval_secs: i,
            jitter_percent: j,
            backoff_cap_secs: cap,
        }
    })
}

fn outcome() -> impl Strategy<Value = Outcome<String>> {
    prop_oneof![
        4 => (proptest::option::of("[a-z0-9]{1,8}"), 0u64..5, any::<bool>()).prop_map(
            |(new_cursor, items, more)| Outcome::Success { new_cursor, items, more }
        ),
        4 => (proptest::option::of(0u64..200_000_000), any::<bool>()).prop_map(|(ra, outage)| {
            Outcome::Failed {
                error: "boom".to_owned(),
                retry_after: ra.map(Duration::from_millis),
                outage,
            }
        }),
        1 => Just(Outcome::CursorRefused),
        1 => Just(Outcome::Unsupported),
    ]
}

fn ops(jitter_max: u32) -> impl Strategy<Value = Vec<Op>> {
    let kind = 0usize..3;
    proptest::collection::vec(
        prop_oneof![
            4 => (0u64..400_000).prop_map(Op::Advance),
            3 => kind.clone().prop_map(Op::Start),
            6 => (kind.clone(), outcome()).prop_map(|(k, o)| Op::Finish(k, o)),
            1 => kind.clone().prop_map(Op::RunNow),
            1 => (kind, any::<bool>()).prop_map(|(k, on)| Op::LongPoll(k, on)),
            1 => settings(jitter_max).prop_map(Op::Reconfigure),
        ],
        1..80,
    )
}

fn secs(s: u32) -> Duration {
    Duration::from_secs(s.into()).max(MIN_PERIOD)
}

fn interval(cfg: &CheckinSettings, kind: CheckinKind) -> Duration {
    secs(match kind {
        CheckinKind::Compliance => cfg.compliance_interval_secs,
        CheckinKind::TunnelActions => cfg.tunnel_actions_interval_secs,
        CheckinKind::Inventory => cfg.inventory_interval_secs,
    })
}

/// The longest wait the rules allow after a finish: the interval with full jitter, the
/// back-off cap, or the (bounded) Retry-After, whichever is longest.
fn longest_wait(cfg: &CheckinSettings, kind: CheckinKind, retry_after: Option<Duration>) -> Duration {
    let jittered = interval(cfg, kind) * (100 + cfg.jitter_percent) / 100;
    let asked = retry_after.unwrap_or_default().min(RETRY_AFTER_MAX);
    jittered.max(secs(cfg.backoff_cap_secs)).max(asked)
}

/// What a finish should tell about the UEM: Some(true) answered, Some(false) outage.
fn uem_signal(o: &Outcome<String>) -> Option<bool> {
    match o {
        Outcome::Success { .. } | Outcome::CursorRefused => Some(true),
        Outcome::Failed { outage: true, .. } => Some(false),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn next_due_stays_within_the_rules(cfg in settings(50), seed in any::<u64>(), ops in ops(50)) {
        let mut s: Scheduler<String> = Scheduler::new(&cfg, seed);
        let mut cfg = cfg;
        let mut now = Duration::ZERO;
        let mut unsupported = [false; 3];
        let mut cursors: [Option<String>; 3] = [None, None, None];
        let mut model = UemHealth::Unknown;
        for op in ops {
            match op {
                Op::Advance(ms) => now += Duration::from_millis(ms),
                Op::Start(k) => s.started(CheckinKind::ALL[k], now),
                Op::RunNow(k) => {
                    let result = s.run_now(CheckinKind::ALL[k]);
                    if result.is_ok() {
                        prop_assert!(s.due(now).any(|d| d == CheckinKind::ALL[k]));
                    }
                }
                Op::LongPoll(k, on) => s.set_long_poll(CheckinKind::ALL[k], on),
                Op::Reconfigure(new) => {
                    s.reconfigure(&new, now);
                    cfg = new;
                }
                Op::Finish(k, outcome) => {
                    let kind = CheckinKind::ALL[k];
                    let others: Vec<_> = CheckinKind::ALL.iter()
                        .filter(|o| **o != kind)
                        .map(|o| s.next_due(*o))
                        .collect();
                    let retry_after = match &outcome {
                        Outcome::Failed { retry_after, .. } => *retry_after,
                        _ => None,
                    };
                    match &outcome {
                        Outcome::Success { new_cursor: Some(c), .. } => cursors[k] = Some(c.clone()),
                        Outcome::CursorRefused => cursors[k] = None,
                        Outcome::Unsupported => unsupported[k] = true,
                        _ => {}
                    }
                    let signal = uem_signal(&outcome);
                    let expected_event = match (signal, model) {
                        (Some(true), UemHealth::Unreachable { since }) => {
                            Some(HealthEvent::UemBack { down_since: since, back_at: now })
                        }
                        (Some(false), UemHealth::Unknown | UemHealth::Reachable { .. }) => {
                            Some(HealthEvent::UemLost { since: now })
                        }
                        _ => None,
                    };
                    let event = s.finished(kind, now, outcome);
                    prop_assert_eq!(event, expected_event);
                    model = match (signal, model) {
                        (Some(true), UemHealth::Unknown | UemHealth::Unreachable { .. }) => {
                            UemHealth::Reachable { since: now }
                        }
                        (Some(false), UemHealth::Unknown | UemHealth::Reachable { .. }) => {
                            UemHealth::Unreachable { since: now }
                        }
                        (_, m) => m,
                    };
                    prop_assert_eq!(s.health(), model);

                    match s.next_due(kind) {
                        None => prop_assert!(unsupported[k]),
                        Some(due) => {
                            prop_assert!(!unsupported[k]);
                            prop_assert!(due >= now, "due {:?} before now {:?}", due, now);
                            let asked = retry_after.unwrap_or_default().min(RETRY_AFTER_MAX);
                            prop_assert!(due >= now + asked, "Retry-After undercut");
                            let limit = now + longest_wait(&cfg, kind, retry_after);
                            prop_assert!(due <= limit, "due {:?} after {:?}", due, limit);
                        }
                    }
                    prop_assert_eq!(s.cursor(kind), cursors[k].as_ref());
                    let after: Vec<_> = CheckinKind::ALL.iter()
                        .filter(|o| **o != kind)
                        .map(|o| s.next_due(*o))
                        .collect();
                    prop_assert_eq!(others, after, "another check-in moved");
                }
            }
            for (k, kind) in CheckinKind::ALL.into_iter().enumerate() {
                if unsupported[k] {
                    prop_assert!(!s.due(now).any(|d| d == kind));
                    prop_assert_eq!(s.next_due(kind), None);
                }
            }
            let earliest = CheckinKind::ALL.iter().filter_map(|k| s.next_due(*k)).min();
            prop_assert_eq!(s.next_wake(now), earliest.map(|d| d.saturating_sub(now)));
        }
    }

    #[test]
    fn any_settings_and_inputs_never_panic(cfg in settings(u32::MAX), seed in any::<u64>(), ops in ops(u32::MAX)) {
        let mut s: Scheduler<String> = Scheduler::new(&cfg, seed);
        let mut now = Duration::ZERO;
        for op in ops {
            match op {
                Op::Advance(ms) => now += Duration::from_millis(ms),
                Op::Start(k) => s.started(CheckinKind::ALL[k], now),
                Op::Finish(k, o) => {
                    s.finished(CheckinKind::ALL[k], now, o);
                    if let Some(due) = s.next_due(CheckinKind::ALL[k]) {
                        prop_assert!(due >= now);
                    }
                }
                Op::RunNow(k) => { let _ = s.run_now(CheckinKind::ALL[k]); }
                Op::LongPoll(k, on) => s.set_long_poll(CheckinKind::ALL[k], on),
                Op::Reconfigure(new) => s.reconfigure(&new, now),
            }
            let report = s.status(now);
            prop_assert_eq!(report.checkins.len(), 3);
            prop_assert_eq!(postern_checkin::render_table(&report).lines().count(), 5);
        }
    }

    #[test]
    fn success_waits_are_the_interval_within_the_jitter(
        interval_secs in 1u32..=86_400,
        jitter in 0u32..=50,
        seed in any::<u64>(),
    ) {
        let cfg = CheckinSettings {
            compliance_interval_secs: interval_secs,
            tunnel_actions_interval_secs: interval_secs,
            inventory_interval_secs: interval_secs,
            jitter_percent: jitter,
            backoff_cap_secs: 300,
        };
        let mut s: Scheduler<String> = Scheduler::new(&cfg, seed);
        let interval = Duration::from_secs(interval_secs.into());
        let low = interval * (100 - jitter) / 100;
        let high = interval * (100 + jitter) / 100;
        let mut now = Duration::from_secs(1);
        for kind in CheckinKind::ALL.into_iter().cycle().take(30) {
            s.started(kind, now);
            s.finished(kind, now, Outcome::Success { new_cursor: None, items: 0, more: false });
            let wait = s.next_due(kind).unwrap_or_default() - now;
            prop_assert!(wait >= low && wait <= high, "{:?} not in {:?}..={:?}", wait, low, high);
            now += Duration::from_millis(1_234);
        }
    }
}
