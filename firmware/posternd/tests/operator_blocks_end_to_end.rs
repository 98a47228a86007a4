//! Operator blocks hold (S6, A7): a pinned block refuses a device never seen, cuts a held
//! Ping at once, outlives `device-cache clear` and a restart, is not lifted by the UEM's
//! "allowed", covers every device of a user, and only `unblock` lifts it.

mod common;

use common::proxy::{ALLOWED_QUERY, activesync, backend, backend_log, certificate, port_from, write_config};
use common::{Daemon, cli, text};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const ALICE_DEVICE: &str = "ApplA1B2C3D4E5F6";
const PING: &str = "Cmd=Ping&User=alice%40example.com&DeviceId=ApplA1B2C3D4E5F6&DeviceType=iPhone";

fn proxy(dir: &Path) -> (Daemon, u16) {
    let mut daemon = Daemon::start(dir, &["--listen", "127.0.0.1:0"]);
    let port = port_from(&daemon.line_with("ActiveSync proxy listening"));
    (daemon, port)
}

fn run(dir: &Path, script: &str) -> String {
    let out = cli(dir, script);
    assert_eq!(out.status.code(), Some(0), "{script}: {}", text(&out));
    text(&out)
}

fn syncs(dir: &Path) -> usize {
    backend_log(dir).lines().filter(|l| l.contains("Cmd=Sync")).count()
}

#[test]
fn a_block_cuts_a_held_ping_at_once_and_holds_against_the_uem_a_clear_and_a_restart() {
    let dir = tempfile::tempdir().expect("dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    let (daemon, port) = proxy(dir.path());
    let (status, all) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("200"), "the UEM allows alice's phone: {all}");

    let mut ping = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "50",
            "-X",
            "POST",
            "--data",
            "ping",
            "--cacert",
        ])
        .arg(dir.path().join("cert.pem"))
        .arg(format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?{PING}"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl");
    let held = Instant::now();
    while !backend_log(dir.path()).contains("Cmd=Ping") {
        assert!(held.elapsed() < Duration::from_secs(30), "the Ping never reached the back end");
        std::thread::sleep(Duration::from_millis(20));
    }
    let answer = run(dir.path(), &format!("device-cache block {ALICE_DEVICE}"));
    let blocked_at = Instant::now();
    assert!(
        answer.contains(&format!("Blocked device {ALICE_DEVICE}")) && answer.contains("connections cut"),
        "{answer}"
    );
    let ended = loop {
        if let Some(status) = ping.try_wait().expect("wait") {
            break status;
        }
        assert!(blocked_at.elapsed() < Duration::from_secs(1), "the held Ping was not cut within 1 s of the block");
        std::thread::sleep(Duration::from_millis(10));
    };
    eprintln!("held Ping cut {} ms after the block returned ({ended})", blocked_at.elapsed().as_millis());

    let before = syncs(dir.path());
    let (status, all) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("403") && all.to_ascii_lowercase().contains("x-postern-reason: operator-blocked"), "{all}");
    run(dir.path(), "device-cache clear");
    let (status, _) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("403"), "a cache clear does not lift a pinned block: {status}");
    let shown = run(dir.path(), "show blocks");
    assert!(shown.contains(&format!("device {ALICE_DEVICE}")) && shown.contains("operator"), "{shown}");

    drop(daemon);
    let (_daemon, port) = proxy(dir.path());
    let (status, _) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("403"), "the block outlives a restart while the UEM says allowed: {status}");
    assert_eq!(syncs(dir.path()), before, "no blocked request reached the back end");

    let answer = run(dir.path(), &format!("device-cache unblock {ALICE_DEVICE}"));
    assert!(answer.contains("Unblocked"), "{answer}");
    let (status, _) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("200"), "unblocked, the UEM's answer counts again: {status}");
    assert!(run(dir.path(), "show blocks").contains("No pinned blocks"));
}

#[test]
fn devices_never_seen_and_users_are_refused_before_their_first_access() {
    let dir = tempfile::tempdir().expect("dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    let (_daemon, port) = proxy(dir.path());

    run(dir.path(), "device-cache block-user Alice@Example.com");
    let (status, all) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(
        status.contains("403") && all.to_ascii_lowercase().contains("operator-blocked"),
        "a user's block covers a device never seen: {all}"
    );
    let refused = cli(dir.path(), "device-cache unblock nobody-blocked-this");
    assert_eq!(refused.status.code(), Some(1), "{}", text(&refused));
    assert!(text(&refused).contains("is not blocked by an operator"), "{}", text(&refused));
    run(dir.path(), "device-cache unblock-user alice@example.com");
    let (status, _) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("200"), "{status}");
    assert_eq!(syncs(dir.path()), 1, "only the allowed request reached the back end");
}

#[test]
fn a_block_of_a_uem_device_cuts_its_open_tunnel_at_once_and_refuses_new_ones() {
    let dir = tempfile::tempdir().expect("dir");
    certificate(dir.path());
    common::proxy::device_pki(dir.path(), &["uem-0001"]);
    let back = backend(dir.path());
    write_config(dir.path(), back.port, &common::proxy::apptunnel_section(dir.path(), back.port));
    let mut daemon = Daemon::start(dir.path(), &["--apptunnel-listen", "127.0.0.1:0"]);
    let port = port_from(&daemon.line_with("AppTunnel listening"));
    // A tunnel held open by a request the service holds (as a Ping would be).
    let mut held = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "--max-time",
            "50",
            "--proxy",
            &format!("https://127.0.0.1:{port}"),
            "--proxy-cacert",
        ])
        .arg(dir.path().join("cert.pem"))
        .arg("--proxy-cert")
        .arg(dir.path().join("uem-0001.pem"))
        .arg("--proxy-key")
        .arg(dir.path().join("uem-0001-key.pem"))
        .args(["-p", "-X", "POST", "--data", "x", "--proxy-header", "X-Postern-App: com.example.crm"])
        .arg(format!("http://127.0.0.1:{}/held?Cmd=Ping", back.port))
        .spawn()
        .expect("curl");
    let start = Instant::now();
    while !backend_log(dir.path()).contains("/held") {
        assert!(start.elapsed() < Duration::from_secs(30), "the tunnelled request never reached the service");
        std::thread::sleep(Duration::from_millis(20));
    }
    let answer = run(dir.path(), "device-cache block uem-0001");
    let blocked_at = Instant::now();
    assert!(answer.contains("Blocked device uem-0001"), "{answer}");
    while held.try_wait().expect("wait").is_none() {
        assert!(blocked_at.elapsed() < Duration::from_secs(1), "the open tunnel was not cut within 1 s of the block");
        std::thread::sleep(Duration::from_millis(10));
    }
    eprintln!("open tunnel cut {} ms after the block returned", blocked_at.elapsed().as_millis());
    let (status, _) = common::proxy::through_tunnel(
        dir.path(),
        port,
        "uem-0001",
        &format!("http://127.0.0.1:{}/again", back.port),
        true,
    );
    assert_eq!(status, "403", "a new tunnel of the blocked device is refused");
    assert!(!backend_log(dir.path()).contains("/again"));
}

#[test]
fn a_user_block_cuts_a_held_ping_the_cache_no_longer_names() {
    let dir = tempfile::tempdir().expect("dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    let (_daemon, port) = proxy(dir.path());
    let mut ping = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "--max-time",
            "50",
            "-X",
            "POST",
            "--data",
            "ping",
            "--cacert",
        ])
        .arg(dir.path().join("cert.pem"))
        .arg(format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?{PING}"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl");
    let held = Instant::now();
    while !backend_log(dir.path()).contains("Cmd=Ping") {
        assert!(held.elapsed() < Duration::from_secs(30), "the Ping never reached the back end");
        std::thread::sleep(Duration::from_millis(20));
    }
    // The device's entry goes (as an eviction would take it) while its Ping is held.
    run(dir.path(), "device-cache clear");
    run(dir.path(), "device-cache block-user alice@example.com");
    let blocked_at = Instant::now();
    while ping.try_wait().expect("wait").is_none() {
        assert!(
            blocked_at.elapsed() < Duration::from_secs(1),
            "the held Ping was not cut within 1 s of the user's block"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    let mut code = String::new();
    std::io::Read::read_to_string(&mut ping.stdout.take().expect("stdout"), &mut code).expect("read");
    assert_eq!(code, "403", "the Ping was answered 403");
}
