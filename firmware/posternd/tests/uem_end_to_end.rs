//! posternd with the Postern UEM API connector against the reference UEM server, both as
//! real processes on loopback: first accesses (S1, S3, S5), check-ins (S6, S8), outages,
//! faults, and how fast a compliance change is enforced (A6).

mod common;

use common::uem::{Uem, activesync, setup, wait_cache};
use common::{DEADLINE, Daemon, cli, text};
use std::time::{Duration, Instant};

#[test]
fn first_accesses_checkins_and_enforcement_latency() {
    let (dir, uem) = setup();
    let mut daemon = Daemon::start(dir.path(), &[]);
    daemon.wait_for("compliance check-in");
    // S1: a compliant enrolled device is allowed, an unknown one is not.
    assert!(activesync(dir.path(), "ALICE0001", "alice%40example.com").contains("allow reason=uem-compliant"));
    assert!(activesync(dir.path(), "NOBODY0001", "nobody%40example.com").contains("block reason=uem-no-match"));
    // S4: an app's first tunnel asks the UEM.
    assert!(
        text(&cli(dir.path(), "test apptunnel uem-0001 com.example.crm crm"))
            .contains("allow reason=apptunnel-authorised")
    );
    // S6 + A6: a violation at the UEM is enforced by the long-polled compliance check-in.
    let changed = Instant::now();
    uem.admin(&["status", "uem-0001", "noncompliant", "--action", "block"]);
    wait_cache(dir.path(), "ALICE0001", "blocked");
    let to_blocked = changed.elapsed();
    // A7: the cut is announced for the proxy to close the device's live connections. The
    // UEM device has an ActiveSync entry and an AppTunnel entry; their cuts come in the
    // order of the cache's index shards, which is not fixed.
    let cut = loop {
        let line = daemon.wait_for("cutting live connections");
        if line.contains("ALICE0001") {
            break line;
        }
    };
    assert!(cut.contains("uem-noncompliant"), "{cut}");
    let changed = Instant::now();
    uem.admin(&["status", "uem-0001", "compliant"]);
    wait_cache(dir.path(), "ALICE0001", "allowed");
    let to_allowed = changed.elapsed();
    println!("A6 posture freshness with long-poll: compliant->blocked {to_blocked:?}, blocked->allowed {to_allowed:?}");
    assert!(
        to_blocked < Duration::from_secs(2) && to_allowed < Duration::from_secs(2),
        "{to_blocked:?} {to_allowed:?}"
    );
    // S8: the inventory reaches the UEM.
    let start = Instant::now();
    while !uem.admin(&["inventory"]).contains("ALICE0001") {
        assert!(start.elapsed() < DEADLINE, "no inventory pushed");
        std::thread::sleep(Duration::from_millis(200));
    }
    let status = text(&cli(dir.path(), "show checkins"));
    assert!(status.contains("compliance") && status.contains("success"), "{status}");
}

#[test]
fn an_outage_uses_the_uem_rules_and_devices_are_asked_about_again() {
    let (dir, mut uem) = setup();
    let mut daemon = Daemon::start(dir.path(), &[]);
    daemon.line_with("UEM settings received");
    assert!(activesync(dir.path(), "ALICE0001", "alice%40example.com").contains("allow"));
    uem.stop();
    // S3: the UEM said to let new devices in while it is unreachable; known ones keep their state.
    let out = activesync(dir.path(), "NEWPHONE01", "carol%40example.com");
    assert!(out.contains("allow reason=uem-unreachable-fail-open"), "{out}");
    assert!(activesync(dir.path(), "ALICE0001", "alice%40example.com").contains("allow reason=cached-allowed"));
    // S5: an app's first tunnel is allowed during the outage.
    assert!(
        text(&cli(dir.path(), "test apptunnel uem-0002 com.example.crm crm"))
            .contains("allow reason=uem-unreachable-apptunnel")
    );
    daemon.wait_for("UEM unreachable");
    // S3 across a restart: the UEM's rule was kept on disk, so a new device still gets it.
    drop(daemon);
    let _daemon = Daemon::start(dir.path(), &[]);
    let out = activesync(dir.path(), "NEWPHONE02", "dave%40example.com");
    assert!(out.contains("allow reason=uem-unreachable-fail-open"), "{out}");
    uem.admin_port = 0; // the admin listener moves; the API keeps its port for the gateway
    uem.restart();
    uem.admin(&["block", "uem-0002"]);
    // Back: the outage-admitted device is decided again (it is not enrolled: blocked),
    // and the tunnel gets its device's real state.
    wait_cache(dir.path(), "NEWPHONE01", "blocked");
    wait_cache(dir.path(), "uem-0002", "blocked");
}

#[test]
fn faults_and_refused_cursors_never_crash_or_open_the_gateway() {
    let (dir, uem) = setup();
    let mut daemon = Daemon::start(dir.path(), &[]);
    daemon.wait_for("compliance check-in");
    assert!(activesync(dir.path(), "BOB0002", "bob%40example.com").contains("allow"));
    for fault in [
        &["fault", "status500", "--count", "3"][..],
        &["fault", "garbage", "--count", "3"],
        &["fault", "huge", "--count", "2"],
    ] {
        uem.admin(fault);
        daemon.wait_for("check-in failed");
        uem.admin(&["fault", "clear"]);
    }
    uem.admin(&["fault", "refuse-cursors"]);
    uem.admin(&["status", "uem-0002", "noncompliant", "--action", "block"]);
    // The refused cursor leads to a full resync, which still applies the change.
    wait_cache(dir.path(), "BOB0002", "blocked");
    uem.admin(&["fault", "refuse-cursors", "--off"]);
    // The daemon kept serving throughout, and decides a new device by the rules.
    let out = activesync(dir.path(), "STRANGER01", "x%40example.com");
    assert!(out.contains("block reason=uem-no-match"), "{out}");
    assert!(daemon.child.try_wait().expect("status").is_none(), "posternd is still running");
}

#[test]
fn a_connector_that_cannot_be_built_leaves_the_gateway_up_and_closed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = "version = 1\n[uem.connector]\nkind = \"postern-api\"\nurl = \"https://127.0.0.1:9\"\n";
    std::fs::write(dir.path().join("initial.toml"), config).expect("config");
    let mut daemon = Daemon::start(dir.path(), &[]);
    daemon.wait_for("check-in failed");
    let status = text(&cli(dir.path(), "show checkins"));
    assert!(status.contains("uem.connector.ca_file"), "the operator is told what to fix:\n{status}");
    // Never received a new-device rule: new devices are blocked (S3), never let through.
    let out = activesync(dir.path(), "ANYONE0001", "a%40example.com");
    assert!(out.contains("block reason=no-uem-setting"), "{out}");
}

#[test]
fn an_operator_block_reaches_the_uem_at_once_not_at_the_next_inventory_push() {
    let (dir, uem) = setup();
    // The scheduled push is five minutes away: only the block can make one now.
    let config = std::fs::read_to_string(dir.path().join("initial.toml")).expect("config");
    std::fs::write(
        dir.path().join("initial.toml"),
        config.replace("inventory_interval_secs = 10", "inventory_interval_secs = 300"),
    )
    .expect("config");
    let _daemon = Daemon::start(dir.path(), &[]);
    assert!(activesync(dir.path(), "ALICE0001", "alice%40example.com").contains("allow reason=uem-compliant"));
    let blocked_in_inventory = || {
        let inventory = uem.admin(&["inventory"]);
        let compact: String = inventory.chars().filter(|c| !c.is_whitespace()).collect();
        compact.split('{').any(|entry| entry.contains("\"ALICE0001\"") && entry.contains("\"blocked\""))
    };
    assert!(!blocked_in_inventory(), "not blocked yet");
    let out = cli(dir.path(), "device-cache block ALICE0001");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let blocked = Instant::now();
    while !blocked_in_inventory() {
        assert!(
            blocked.elapsed() < Duration::from_secs(5),
            "the block did not reach the UEM within 5 s: {}",
            uem.admin(&["inventory"])
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    println!("A7: an operator block reached the UEM's inventory {:?} after the command", blocked.elapsed());
}

#[test]
fn a_committed_uem_connector_takes_over_at_once() {
    let (dir, _first) = setup();
    let mut daemon = Daemon::start(dir.path(), &[]);
    daemon.wait_for("compliance check-in");
    assert!(activesync(dir.path(), "ALICE0001", "alice%40example.com").contains("allow reason=uem-compliant"));
    // Another UEM, with its own CA and token, that knows Alice's phone as non-compliant
    // and a phone the first one never heard of.
    let other_dir = tempfile::tempdir().expect("temp dir");
    let other = Uem::start(other_dir.path(), 0, 0);
    other.admin(&["token", "postern-1", "second-uem-token"]);
    other.admin(&["settings", "--new-device", "block"]);
    for (uem_id, eas_id, user) in
        [("b-0001", "ALICE0001", "alice@example.com"), ("b-0009", "CAROL0009", "carol@example.com")]
    {
        other.admin(&["enrol", "--uem-id", uem_id, "--activesync-id", eas_id, "--user", user]);
    }
    other.admin(&["status", "b-0001", "noncompliant", "--action", "block"]);
    std::fs::write(other_dir.path().join("token"), "second-uem-token").expect("token file");
    let script = format!(
        "configure terminal\nuem\nconnector postern-api https://127.0.0.1:{}\nca-file {}\ncredentials {}\nexit\ncommit\n",
        other.port,
        other_dir.path().join("uem-certs/ca.pem").display(),
        other_dir.path().join("token").display()
    );
    let committed = text(&cli(dir.path(), &script));
    assert!(committed.contains("Committed"), "{committed}");
    assert!(!committed.contains("next `reload`"), "the connector applies at commit:\n{committed}");
    daemon.wait_for("UEM connector applied");
    // The check-ins start again with the new UEM: after its full pull (which drops what
    // only the old UEM knew), Alice's phone is decided by the new UEM, and its own devices
    // are found at their first access.
    let start = Instant::now();
    let alice = loop {
        let out = activesync(dir.path(), "ALICE0001", "alice%40example.com");
        if out.contains("block") || start.elapsed() > DEADLINE {
            break out;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(alice.contains("block reason=uem-noncompliant"), "{alice}\n{}", text(&cli(dir.path(), "show checkins")));
    let carol = activesync(dir.path(), "CAROL0009", "carol%40example.com");
    assert!(carol.contains("allow reason=uem-compliant"), "the new UEM answers first accesses:\n{carol}");
    let bob = activesync(dir.path(), "BOB0002", "bob%40example.com");
    assert!(bob.contains("block reason=uem-no-match"), "the old UEM is no longer asked:\n{bob}");
    let pending = text(&cli(dir.path(), "show configuration pending-reload"));
    assert!(!pending.contains("uem"), "{pending}");
    assert!(daemon.child.try_wait().expect("status").is_none(), "posternd is still running");
}

#[test]
fn a_committed_gateway_id_registers_with_the_uem_at_once() {
    let (dir, uem) = setup();
    let mut daemon = Daemon::start(dir.path(), &[]);
    daemon.wait_for("compliance check-in");
    assert!(activesync(dir.path(), "ALICE0001", "alice%40example.com").contains("allow reason=uem-compliant"));
    assert!(!uem.admin(&["inventory"]).contains("postern-7"), "no gateway has this id yet");
    // The UEM knows the new id by a token of its own, which the operator puts in the
    // credentials file before the commit.
    uem.admin(&["token", "postern-7", "token-of-postern-7"]);
    std::fs::write(dir.path().join("token"), "token-of-postern-7").expect("token file");
    let committed = text(&cli(dir.path(), "configure terminal\ngateway-id postern-7\ncommit\n"));
    assert!(committed.contains("Committed"), "{committed}");
    assert!(!committed.contains("next `reload`"), "the gateway id applies at commit:\n{committed}");
    let applied = daemon.wait_for("UEM connector applied");
    assert!(applied.contains("postern-7"), "the connector is rebuilt with the new id: {applied}");
    // A block pushes the inventory at once: under the new id, with the new token.
    let out = cli(dir.path(), "device-cache block ALICE0001");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let start = Instant::now();
    while !uem.admin(&["inventory"]).contains("postern-7") {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "no inventory under the new id within 5 s: {}\n{}",
            uem.admin(&["inventory"]),
            text(&cli(dir.path(), "show checkins"))
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let pending = text(&cli(dir.path(), "show configuration pending-reload"));
    assert!(!pending.contains("gateway-id"), "{pending}");
    let version = text(&cli(dir.path(), "show version"));
    assert!(version.contains("gateway id postern-7"), "{version}");
}
