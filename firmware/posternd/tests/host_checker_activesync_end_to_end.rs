//! Role-level posture on the ActiveSync back end (H4), end to end: a policy with
//! `required_for_activesync` refuses a device the UEM allows until its UEM device's
//! assessment passes (`X-Postern-Reason: posture-failed:<policy>`, counted with the other
//! decisions), admits it once it does, and a new failed assessment cuts its held Ping.

mod common;

use common::posture::{fixtures, posture, server_pki, start_on_any_port};
use common::proxy::{apptunnel_section, backend, backend_log, device_pki, metrics_with, port_from, write_config};
use common::text;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const POLICY: &str = r#"
[host_checker]
enabled = true

[[host_checker.policies]]
name = "debian-baseline"
platforms = ["linux:debian"]
required = ["openssl >= 3.0.15"]
required_for_activesync = true
"#;

/// The demo UEM's allowed phone (UEM device uem-0001).
const QUERY: &str = "User=alice%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone";

/// curl POSTing ActiveSync `command` (verifying the gateway with `server-ca.pem`).
fn curl(dir: &Path, port: u16, command: &str) -> Command {
    let mut curl = Command::new("curl");
    curl.args(["-s", "--max-time", "50", "-D", "-", "-o", "/dev/null", "-X", "POST", "--data", "x", "--cacert"])
        .arg(dir.join("server-ca.pem"))
        .arg(format!("https://localhost:{port}/Microsoft-Server-ActiveSync?Cmd={command}&{QUERY}"));
    curl
}

/// A Sync's response head.
fn sync(dir: &Path, port: u16) -> String {
    text(&curl(dir, port, "Sync").output().expect("curl runs"))
}

fn reason(head: &str) -> Option<&str> {
    head.lines().find_map(|l| l.strip_prefix("x-postern-reason: ")).map(str::trim)
}

#[test]
fn the_activesync_back_end_requires_a_passed_policy_and_a_failed_check_cuts_a_held_ping() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["uem-0001"]);
    let back = backend(dir);
    write_config(dir, back.port, &format!("{}{POLICY}", apptunnel_section(dir, back.port)));
    let (mut daemon, hc_port) = start_on_any_port(dir, &["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"]);
    let port = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let metrics = port_from(&daemon.line_with("metrics listening"));

    // Allowed by the UEM, never assessed: refused, naming the policy.
    let head = sync(dir, port);
    assert!(head.starts_with("HTTP/1.1 403"), "{head}");
    assert_eq!(reason(&head), Some("posture-failed:debian-baseline"), "{head}");

    // Assessed compliant: admitted.
    let ok = posture(dir, hc_port, "uem-0001", "compliant", &fixtures("compliant").join("status"), "1.3");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let head = sync(dir, port);
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");

    // A held Ping is cut when a new assessment fails.
    let ping = curl(dir, port, "Ping").stdout(Stdio::piped()).spawn().expect("curl");
    let held = Instant::now();
    while !backend_log(dir).contains("Cmd=Ping") {
        assert!(held.elapsed() < Duration::from_secs(30), "the Ping never reached the back end");
        std::thread::sleep(Duration::from_millis(20));
    }
    let bad = posture(dir, hc_port, "uem-0001", "noncompliant", &fixtures("noncompliant").join("status"), "1.3");
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    let decided = Instant::now();
    let ended = ping.wait_with_output().expect("curl ends");
    let ping_head = String::from_utf8_lossy(&ended.stdout).into_owned();
    assert!(decided.elapsed() < Duration::from_secs(5), "the held Ping was not cut: {ping_head}");
    assert!(ping_head.starts_with("HTTP/1.1 403") && reason(&ping_head) == Some("posture-failed"), "{ping_head}");
    assert!(daemon.line_with("posture failed: live connections cut").contains("device=uem-0001"));

    // Refused again, and counted with the other decisions.
    let head = sync(dir, port);
    assert_eq!(reason(&head), Some("posture-failed:debian-baseline"), "{head}");
    let scraped = metrics_with(
        metrics,
        &[
            "postern_decisions_total{reason=\"posture-failed\"} 2",
            "postern_activesync_requests_total{outcome=\"posture-failed\"} 2",
        ],
    );
    assert!(scraped.contains("postern_activesync_requests_total{outcome=\"cut\"} 1"), "{scraped}");
}
