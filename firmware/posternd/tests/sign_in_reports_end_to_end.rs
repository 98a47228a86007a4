//! Sign-in reporting end to end (A3): posternd and the reference portal (postern-portal)
//! as real processes over HTTPS. Reports are seeded into posternd's queue on the data
//! area with the queue's own library while posternd is stopped (nothing produces sign-ins
//! yet); posternd uploads them in batches. With the portal stopped, or refusing the
//! token, they stay pending and `show accs reports` says why; a commit of the `accs`
//! settings tries again at once, and they arrive, each once. posternd killed
//! with SIGKILL in the middle of an upload loses none, and a report sent again is counted
//! once by the portal.

mod common;

use common::portal::{Portal, TOKEN, setup};
use common::{Daemon, cli, text};
use postern_access_profile::api::{SignIn, SignInResult};
use postern_durable_queue::{Bounds, DurableQueue};
use std::path::Path;
use std::time::{Duration, Instant};

/// Longest wait for a state of `show accs reports` (an outage costs back-off waits).
const WAIT: Duration = Duration::from_secs(90);

fn sign_in(n: u32) -> SignIn {
    SignIn {
        id: format!("sign-in-{n:05}"),
        time_unix: 1_700_000_000 + u64::from(n),
        user: Some(format!("user{n}@example.com")),
        device: Some(format!("device-{n}")),
        app: None,
        pairing: "salesforce".into(),
        rule: Some("compliant-in".into()),
        result: SignInResult::Allowed,
        reason: None,
        code: None,
    }
}

/// Appends reports to posternd's queue (posternd must be stopped: one writer at a time).
fn seed(dir: &Path, reports: impl IntoIterator<Item = SignIn>) {
    let queue: DurableQueue<SignIn> =
        DurableQueue::open(&dir.join("state/accs/sign-ins"), Bounds::new(100_000, 64 * 1024 * 1024))
            .expect("the queue opens");
    for report in reports {
        queue.push(&report).expect("a report is queued");
    }
}

/// The report ids the portal holds for tenant `acme`, sorted.
fn at_portal(portal: &Portal) -> Vec<String> {
    let listed = portal.admin(&["sign-ins", "acme"]);
    let mut ids: Vec<String> = listed
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("one JSON object a line");
            assert_eq!(v["gateway"], "postern-1");
            v["sign_in"]["id"].as_str().expect("id").to_owned()
        })
        .collect();
    ids.sort();
    ids
}

fn ids(range: std::ops::Range<u32>) -> Vec<String> {
    range.map(|n| sign_in(n).id).collect()
}

fn wait_reports(dir: &Path, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let shown = text(&cli(dir, "show accs reports"));
        if shown.contains(needle) {
            return shown;
        }
        assert!(start.elapsed() < WAIT, "show accs reports never showed {needle:?}; last:\n{shown}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The `count` of each "sign-in reports uploaded" line logged so far.
fn batches(daemon: &mut Daemon) -> Vec<usize> {
    daemon.logged("");
    let mut counts = Vec::new();
    let mut n = 0;
    while let Some(at) = daemon.seen_position_after("sign-in reports uploaded", n) {
        let line = daemon.seen_line(at);
        let count = line.split("count=").nth(1).and_then(|s| s.split_whitespace().next()).expect("count field");
        counts.push(count.parse().expect("a number"));
        n = at + 1;
    }
    counts
}

#[test]
fn reports_wait_out_a_stopped_portal_then_arrive_in_batches_each_once() {
    let (dir, mut portal) = setup(3600);
    let dir = dir.path();
    let port = portal.port;
    let mut bad = sign_in(99_999);
    bad.pairing = "line\nbreak".into();
    seed(dir, (0..600).map(sign_in).chain([bad]).chain((600..1100).map(sign_in)));

    portal.stop();
    let mut daemon = Daemon::start(dir, &[]);
    daemon.line_with("sign-in reports resumed");
    let shown = wait_reports(dir, "FAILED");
    assert!(shown.contains("Sign-in reports: 1101 pending ("), "{shown}");
    assert!(shown.contains("the oldest from 2023-11-14 22:13:20 UTC"), "{shown}");
    assert!(shown.contains("Bound: 100000 reports or 64 MiB (then the oldest are dropped); dropped so far: 0"));
    assert!(shown.contains("connecting") && shown.contains("Next attempt: "), "why, and when next: {shown}");
    assert!(shown.contains("Last success: none since start"), "{shown}");
    let summary = text(&cli(dir, "show accs"));
    assert!(summary.contains("Sign-in reports: 1101 pending, 0 dropped; last upload: 20"), "{summary}");
    assert!(summary.contains(" FAILED (show accs reports)"), "{summary}");

    // Back, but the gateway's token is refused: an answer retrying does not change is
    // shown, the batch kept, and the next attempt a minute away.
    std::fs::write(dir.join("portal-token"), "not-the-gateways-token\n").expect("token file");
    let portal = Portal::start(dir, port);
    let shown = wait_reports(dir, "refused the gateway's token (401)");
    assert!(shown.contains("Sign-in reports: 1101 pending (") && shown.contains("Next attempt: "), "{shown}");
    let next = shown.lines().find(|l| l.starts_with("Next attempt: ")).expect("next attempt");
    let secs = next.split("(in ").nth(1).map(|s| s.trim_end_matches(')')).expect("in how long");
    let away = if secs == "1 min" { 60 } else { secs.trim_end_matches(" s").parse().expect("seconds") };
    assert!(away > 40, "a minute away: {shown}");

    // The token fixed, a commit that changes an accs setting tries again at once.
    std::fs::write(dir.join("portal-token"), format!("{TOKEN}\n")).expect("token file");
    let commit = text(&cli(dir, "configure terminal ; accs sync-interval 3599 ; commit"));
    assert!(commit.contains("Committed revision"), "{commit}");
    let start = Instant::now();
    let shown = wait_reports(dir, "Sign-in reports: 0 pending");
    assert!(start.elapsed() < Duration::from_secs(30), "at once, not after the back-off: {:?}", start.elapsed());
    assert!(shown.contains("Set aside (the portal API would refuse them): 1"), "{shown}");
    assert!(shown.contains("Last success: 20") && shown.contains(" new, 0 already at the portal)"), "{shown}");
    assert!(daemon.line_with("sign-in report set aside").contains("sign-in-99999"));
    assert_eq!(at_portal(&portal), ids(0..1100), "every report once, the refused one set aside");
    let counts = batches(&mut daemon);
    assert!(counts.len() >= 3 && counts.iter().all(|c| *c <= 500), "batches of at most 500: {counts:?}");
    assert_eq!(counts.iter().sum::<usize>(), 1100, "{counts:?}");
    assert!(text(&cli(dir, "show accs")).contains("Sign-in reports: 0 pending, 0 dropped; last upload: 20"));
}

#[test]
fn a_sigkill_mid_upload_loses_nothing_and_a_report_sent_again_is_counted_once() {
    let (dir, portal) = setup(3600);
    let dir = dir.path();
    seed(dir, (0..3000).map(sign_in));
    // Every answer of the portal takes a second, so the upload is caught in the middle.
    portal.admin(&["fault", "slow", "--secs", "1", "--count", "1000"]);
    let mut daemon = Daemon::start(dir, &[]);
    daemon.line_with("sign-in reports uploaded");
    daemon.child.kill().expect("SIGKILL");
    daemon.child.wait().expect("reaped");
    drop(daemon);
    let before = at_portal(&portal).len();
    assert!((500..3000).contains(&before), "killed in the middle: {before} at the portal");

    portal.admin(&["fault", "clear"]);
    let daemon = Daemon::start(dir, &[]);
    wait_reports(dir, "Sign-in reports: 0 pending");
    assert_eq!(at_portal(&portal), ids(0..3000), "nothing lost, nothing twice");
    drop(daemon);

    // Reports the portal already holds, queued again (as after a crash between the
    // portal's receipt and the removal from the queue): the portal counts them once.
    seed(dir, (0..10).map(sign_in));
    let _daemon = Daemon::start(dir, &[]);
    let shown = wait_reports(dir, "Sign-in reports: 0 pending");
    assert!(shown.contains("10 reports sent (0 new, 10 already at the portal)"), "{shown}");
    assert_eq!(at_portal(&portal), ids(0..3000));
}
