//! The remediation webhook (H6), end to end: each failed check of an assessment is
//! POSTed as JSON to an HTTPS receiver (Python, on a real socket) trusting only the
//! pinned CA; while the receiver is down the gateway retries with back-off, and the
//! checks arrive once it is back.

mod common;

use common::posture::{fixtures, posture, server_pki, start_on_any_port, webhook_receiver};
use common::proxy::{apptunnel_section, device_pki, write_config};
use common::{cli, text};
use postern_durable_queue::{Bounds, DurableQueue};
use std::time::{Duration, Instant};

const POLICY: &str = r#"
[host_checker]
enabled = true

[[host_checker.policies]]
name = "debian-baseline"
platforms = ["linux:debian"]
required = ["openssl >= 3.0.15"]
forbidden = ["telnetd"]
remediation_url = "https://fix.example/debian"
"#;

fn received(dir: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("webhook.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let (kind, body) = l.split_once(' ').expect("content type and body");
            assert_eq!(kind, "application/json", "{l}");
            serde_json::from_str(body).expect("JSON")
        })
        .collect()
}

fn wait_received(dir: &std::path::Path, count: usize) -> Vec<serde_json::Value> {
    let start = Instant::now();
    loop {
        let got = received(dir);
        if got.len() >= count {
            return got;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "only {} of {count} checks arrived", got.len());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn failed_checks_are_posted_and_retried_until_the_receiver_is_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-bad"]);
    write_config(dir, 9, &format!("{}{POLICY}", apptunnel_section(dir, 9)));
    let (mut daemon, port) = start_on_any_port(dir, &[]);
    let receiver = webhook_receiver(dir, 0);
    let url = format!("https://127.0.0.1:{}/hooks/posture", receiver.port);
    let ca = dir.join("backend-tls/ca.pem");
    let commit = text(&cli(
        dir,
        &format!(
            "configure terminal ; host-checker remediation-webhook {url} ; host-checker remediation-webhook-ca {} ; commit",
            ca.display()
        ),
    ));
    assert!(commit.contains("Committed revision") && !commit.contains("Applies at the next"), "{commit}");
    let pending = text(&cli(dir, "show configuration pending-reload"));
    assert!(pending.contains("Every committed setting is in effect"), "{pending}");

    // A non-compliant endpoint: two failed checks, two POSTs.
    let bad = || posture(dir, port, "dev-bad", "noncompliant", &fixtures("noncompliant").join("status"), "1.3");
    assert_eq!(bad().status.code(), Some(2));
    let got = wait_received(dir, 2);
    let checks: Vec<&str> = got.iter().map(|c| c["check"].as_str().expect("check")).collect();
    assert_eq!(checks, ["required:openssl", "forbidden:telnetd"], "{got:?}");
    let first = &got[0];
    assert_eq!(first["device"], "dev-bad");
    assert_eq!(first["policy"], "debian-baseline");
    assert!(first["reason"].as_str().expect("reason").contains("openssl 1.1.1w-0+deb11u1 is not >= 3.0.15"));
    assert!(first["remediation"].as_str().expect("remediation").contains("See https://fix.example/debian"));
    assert!(first["peer"].as_str().expect("peer").starts_with("127.0.0.1:"));

    // The receiver goes down: the gateway retries with back-off and delivers when it is
    // back on the same port.
    let receiver_port = receiver.port;
    drop(receiver);
    assert_eq!(bad().status.code(), Some(2));
    let failed = daemon.wait_for("remediation webhook failed; retrying");
    assert!(failed.contains("attempt=1") && failed.contains("retry_in_secs=1"), "{failed}");
    let again = daemon.wait_for("remediation webhook failed; retrying");
    assert!(again.contains("attempt=2") && again.contains("retry_in_secs=2"), "back-off doubles: {again}");
    let _back = webhook_receiver(dir, receiver_port);
    let got = wait_received(dir, 4);
    assert_eq!(got[2]["check"], "required:openssl");
    assert_eq!(got[3]["check"], "forbidden:telnetd");
    let sent = daemon.wait_for("remediation webhook sent");
    assert!(sent.contains("check=required:openssl") && !sent.contains("attempt=1 "), "{sent}");
}

#[test]
fn checks_waiting_for_a_receiver_survive_a_kill_and_arrive_exactly_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-bad"]);
    // A port the receiver will listen on later; down until then.
    let receiver_port = webhook_receiver(dir, 0).port;
    let webhook = format!(
        "remediation_webhook_url = \"https://127.0.0.1:{receiver_port}/hooks/posture\"\nremediation_webhook_ca_file = \"{}\"\n",
        dir.join("backend-tls/ca.pem").display()
    );
    let policy = POLICY.replace("enabled = true\n", &format!("enabled = true\n{webhook}"));
    write_config(dir, 9, &format!("{}{policy}", apptunnel_section(dir, 9)));
    let (mut daemon, port) = start_on_any_port(dir, &[]);
    let bad = posture(dir, port, "dev-bad", "noncompliant", &fixtures("noncompliant").join("status"), "1.3");
    assert_eq!(bad.status.code(), Some(2));
    assert!(daemon.wait_for("remediation webhook failed; retrying").contains("check=required:openssl"));
    let queued = dir.join("state/host-checker/webhook");

    // Killed (SIGKILL) while the receiver is down; started again, it resumes both.
    drop(daemon);
    let kept: DurableQueue<serde_json::Value> =
        DurableQueue::open(&queued, Bounds::new(4096, 16 * 1024 * 1024)).expect("the queue opens");
    assert_eq!(kept.len(), 2, "both checks are kept on disk");
    drop(kept);
    let (mut daemon, _port) = start_on_any_port(dir, &[]);
    assert!(daemon.line_with("remediation webhook checks resumed").contains("pending=2"));
    let _receiver = webhook_receiver(dir, receiver_port);
    let got = wait_received(dir, 2);
    let checks: Vec<&str> = got.iter().map(|c| c["check"].as_str().expect("check")).collect();
    assert_eq!(checks, ["required:openssl", "forbidden:telnetd"], "{got:?}");
    daemon.wait_for("remediation webhook sent");
    daemon.wait_for("remediation webhook sent");
    let start = Instant::now();
    let segments = || {
        let files = std::fs::read_dir(&queued).expect("queue directory").map(|e| e.expect("entry").path());
        files.filter(|p| p.extension().is_some_and(|x| x == "seg")).count()
    };
    while segments() > 0 {
        assert!(start.elapsed() < Duration::from_secs(10), "sent checks stay queued");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Once each: a restart now sends nothing again.
    drop(daemon);
    let (mut daemon, _port) = start_on_any_port(dir, &[]);
    assert!(!daemon.logged("remediation webhook checks resumed"));
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(received(dir).len(), 2, "{:?}", received(dir));
}
