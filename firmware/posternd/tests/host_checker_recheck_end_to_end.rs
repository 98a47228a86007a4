//! Re-checks on the gateway's schedule (H5), end to end: with `host-checker
//! recheck-interval`, the verifier asks a collector whose session stays open
//! (`postern-posture --keep-open`, no inotify) for a new assessment (PB-TNC SRETRY); a
//! package installed on the endpoint meanwhile changes the decision at the next one.
//! `show host-checker sessions` lists the connected collector.

mod common;

use common::posture::{fixtures, lines_of, next_access, replace, running_collector, server_pki, start_on_any_port};
use common::proxy::{apptunnel_section, device_pki, write_config};
use common::{cli, text};
use std::time::Instant;

const POLICY: &str = r#"
[host_checker]
enabled = true

[[host_checker.policies]]
name = "debian-baseline"
platforms = ["linux:debian"]
forbidden = ["telnetd"]
"#;

#[test]
fn a_scheduled_recheck_changes_the_decision_after_the_endpoint_changed() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-open"]);
    write_config(dir, 9, &format!("{}{POLICY}", apptunnel_section(dir, 9)));
    let (mut daemon, port) = start_on_any_port(dir, &[]);
    let none = text(&cli(dir, "show host-checker sessions"));
    assert!(none.contains("0 collector session(s) open"), "{none}");

    let endpoint = dir.join("endpoint");
    std::fs::create_dir(&endpoint).expect("endpoint dir");
    let compliant = std::fs::read_to_string(fixtures("compliant").join("status")).expect("fixture");
    let status = endpoint.join("status");
    std::fs::write(&status, &compliant).expect("status");
    let mut child = running_collector(dir, port, "dev-open", &status, "--keep-open");
    let lines = lines_of(&mut child);
    assert_eq!(next_access(&lines), "Access: allowed");
    daemon.wait_for("compliant=true");
    let sessions = text(&cli(dir, "show host-checker sessions"));
    assert!(sessions.contains("1 collector session(s) open"), "{sessions}");
    assert!(
        sessions.lines().any(|l| l.starts_with("dev-open") && l.contains("127.0.0.1:") && l.contains("compliant")),
        "{sessions}"
    );

    // telnetd gets installed; the collector does not watch, so nothing happens until the
    // schedule, committed now, asks.
    replace(&status, &format!("{compliant}Package: telnetd\nStatus: install ok installed\nVersion: 0.17-42\n\n"));
    let commit = text(&cli(dir, "configure terminal ; host-checker recheck-interval 5 ; commit"));
    assert!(commit.contains("Committed revision"), "{commit}");
    let committed = Instant::now();
    daemon.wait_for("asking the collector for a new assessment (SRETRY)");
    let line = daemon.wait_for("host check decided");
    assert!(line.contains("dev-open") && line.contains("compliant=false"), "{line}");
    assert_eq!(next_access(&lines), "Access: denied");
    eprintln!("decision changed {} ms after the commit of a 5 s schedule", committed.elapsed().as_millis());
    let sessions = text(&cli(dir, "show host-checker sessions"));
    assert!(
        sessions.lines().any(|l| l.starts_with("dev-open")
            && l.contains("noncompliant")
            && l.trim_end().ends_with(" 1  certificate")),
        "one recheck, the last result non-compliant: {sessions}"
    );
    let shown = text(&cli(dir, "show running-config"));
    assert!(shown.contains("host-checker recheck-interval 5"), "{shown}");

    let _ = child.kill();
    let _ = child.wait();
}
