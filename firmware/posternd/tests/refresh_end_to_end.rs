//! Every cached decision gets refreshed (S1, S5, S7) against the reference UEM: devices
//! restored at start-up keep their first-access checks until the UEM answered for them,
//! an ambiguous match allowed because every candidate was compliant loses that when one
//! turns non-compliant, devices without a UEM device id are asked about again on the
//! schedule, and a tunnel admitted because an authorisation call timed out gets its real
//! state at the next check-in.

mod common;

use common::uem::{activesync, setup, wait_cache};
use common::{Daemon, cli, text};
use std::time::{Duration, Instant};

/// The test override of the 5-minute refresh of devices without a UEM device id.
const REFRESH: (&str, &str) = ("POSTERN_TEST_REFRESH_UNMATCHED_SECS", "2");

#[test]
fn restored_devices_keep_their_first_access_checks_through_an_outage_until_the_uem_answers() {
    let (dir, mut uem) = setup();
    let mut daemon = Daemon::start(dir.path(), &[]);
    daemon.line_with("UEM settings received");
    assert!(activesync(dir.path(), "ALICE0001", "alice%40example.com").contains("allow reason=uem-compliant"));
    drop(daemon);
    // While the gateway is down, the UEM hands alice's phone to bob: only matching the
    // device again (a first access) can tell; its compliance stays "compliant".
    uem.admin(&[
        "enrol",
        "--uem-id",
        "uem-0001",
        "--activesync-id",
        "ALICE0001",
        "--user",
        "bob@example.com",
        "--platform",
        "ios",
    ]);
    uem.stop();

    let mut daemon = Daemon::start(dir.path(), &[]);
    daemon.line_with("device cache restored at start-up");
    for _ in 0..2 {
        let out = activesync(dir.path(), "ALICE0001", "alice%40example.com");
        assert!(out.contains("allow reason=persisted-state"), "the last known state, asked again every time: {out}");
    }
    uem.admin_port = 0;
    uem.restart();
    // The UEM is back: its check-ins (a full compliance snapshot naming uem-0001 as
    // compliant) must not turn the restored record into a plain cached one.
    daemon.line_with("UEM settings received");
    daemon.wait_for("compliance check-in");
    let out = activesync(dir.path(), "ALICE0001", "alice%40example.com");
    assert!(out.contains("block reason=user-mismatch"), "matched again, the phone is bob's now: {out}");
    let out = activesync(dir.path(), "ALICE0001", "bob%40example.com");
    assert!(out.contains("allow reason=uem-compliant"), "{out}");
}

#[test]
fn an_ambiguous_match_loses_its_allowance_when_a_candidate_turns_noncompliant_and_is_asked_about_on_schedule() {
    let (dir, uem) = setup();
    // Two phones of carol's whose ActiveSync ids the UEM does not know: a request naming
    // carol matches both, by user.
    for uem_id in ["uem-0003", "uem-0004"] {
        uem.admin(&["enrol", "--uem-id", uem_id, "--user", "carol@example.com", "--platform", "ios"]);
    }
    let mut daemon = Daemon::start_env(dir.path(), &[], &[REFRESH]);
    daemon.line_with("UEM settings received");
    let out = activesync(dir.path(), "CAROLNEW1", "carol%40example.com");
    assert!(out.contains("allow reason=ambiguous-match-all-compliant"), "{out}");
    assert!(activesync(dir.path(), "CAROLNEW1", "carol%40example.com").contains("allow reason=cached-allowed"));
    // On the schedule, with no change at the UEM, it is asked about again.
    let asked = daemon.wait_for("devices without a UEM device id asked about again");
    assert!(asked.contains("count=1"), "{asked}");
    daemon.wait_for("devices without a UEM device id asked about again");

    let changed = Instant::now();
    uem.admin(&["status", "uem-0004", "noncompliant", "--action", "block"]);
    wait_cache(dir.path(), "CAROLNEW1", "blocked");
    println!("an ambiguous match lost its allowance {:?} after a candidate turned non-compliant", changed.elapsed());
    let out = activesync(dir.path(), "CAROLNEW1", "carol%40example.com");
    assert!(out.contains("block"), "{out}");
}

/// Polls `show device-cache ID` until a line has both `entry` and `state`.
fn wait_entry(dir: &std::path::Path, id: &str, entry: &str, state: &str) -> Duration {
    let start = Instant::now();
    loop {
        let shown = text(&cli(dir, &format!("show device-cache {id}")));
        if shown.lines().any(|l| l.contains(entry) && l.contains(state)) {
            return start.elapsed();
        }
        assert!(start.elapsed() < common::DEADLINE, "{entry} never {state}:\n{shown}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_tunnel_admitted_on_a_timed_out_authorisation_gets_its_real_state_at_the_next_checkin() {
    let (dir, uem) = setup();
    let mut daemon = Daemon::start(dir.path(), &[]);
    daemon.line_with("UEM settings received");
    daemon.wait_for("compliance check-in");
    // The next UEM answer comes after 8 s: past the gateway's 5 s lookup bound, while the
    // check-ins keep succeeding. A check-in may take the slow answer first (its request
    // can land between the order and the tunnel's): then the tunnel is decided at once,
    // and the attempt is made again with another app.
    let admitted = (1..=3).find_map(|attempt| {
        let app = format!("com.example.slow{attempt}");
        uem.admin(&["app", &app]);
        uem.admin(&["fault", "slow", "--count", "1", "--secs", "8"]);
        let started = Instant::now();
        let out = text(&cli(dir.path(), &format!("test apptunnel uem-0001 {app} crm")));
        let took = started.elapsed();
        uem.admin(&["fault", "clear"]);
        if out.contains("allow reason=uem-unreachable-apptunnel") && took >= Duration::from_secs(4) {
            return Some(app);
        }
        eprintln!("attempt {attempt}: the slow answer went elsewhere ({took:?}): {out}");
        None
    });
    let app = admitted.expect("a tunnel admitted on a timed-out authorisation");
    let waited = wait_entry(dir.path(), "uem-0001", &format!("tunnel uem-0001/{app}/crm"), "blocked");
    println!("the tunnel admitted on a timed-out authorisation got its real state {waited:?} after the admission");
    daemon.wait_for("outage-admitted tunnel decided by the UEM");
    let out = text(&cli(dir.path(), &format!("test apptunnel uem-0001 {app} crm")));
    assert!(out.contains("block"), "{out}");
}
