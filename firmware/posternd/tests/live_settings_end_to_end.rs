//! Settings that apply at commit, observed from outside the running daemon.

mod common;

use common::{Daemon, cli, text};

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("initial.toml"), postern_config::DEMO_TOML).expect("write config");
    dir
}

#[test]
fn the_device_cache_size_applies_at_commit_and_a_shrink_evicts_the_least_recently_used() {
    let dir = setup();
    let _daemon = Daemon::start(dir.path(), &[]);
    // Three of the demo UEM's devices, oldest first.
    for (user, device) in [
        ("alice@example.com", "ApplA1B2C3D4E5F6"),
        ("bob@example.com", "SEC1B0B0B0B0B0B0"),
        ("carol@example.com", "ApplC0FFEE000001"),
    ] {
        let out = cli(
            dir.path(),
            &format!(
                "test activesync /Microsoft-Server-ActiveSync?Cmd=Sync&User={user}&DeviceId={device}&DeviceType=iPhone"
            ),
        );
        assert!(out.status.success(), "{}", text(&out));
    }
    let before = text(&cli(dir.path(), "show device-cache"));
    assert!(before.contains("Device cache: 3 of "), "{before}");

    let out = cli(dir.path(), "configure terminal ; device-cache size 2 ; commit");
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("Applies at the next"), "{}", text(&out));
    let after = text(&cli(dir.path(), "show device-cache"));
    assert!(after.contains("Device cache: 2 of 2 entries used"), "{after}");
    assert!(
        !after.contains("ApplA1B2C3D4E5F6") && after.contains("ApplC0FFEE000001"),
        "the least recently used went first: {after}"
    );
    assert!(
        text(&cli(dir.path(), "show configuration pending-reload")).contains("Every committed setting is in effect")
    );
}

#[test]
fn check_in_intervals_apply_at_commit() {
    let dir = setup();
    let _daemon = Daemon::start(dir.path(), &[]);
    let compliance = |shown: &str| {
        shown
            .lines()
            .find(|l| l.starts_with("compliance"))
            .map(|l| l.split_whitespace().nth(2).unwrap_or("").to_owned())
    };
    let before = text(&cli(dir.path(), "show checkins"));
    assert_eq!(compliance(&before).as_deref(), Some("15s"), "the demo configuration's interval: {before}");
    let out = cli(dir.path(), "configure terminal ; uem ; checkin compliance 7 ; exit ; commit");
    assert!(out.status.success() && !text(&out).contains("Applies at the next"), "{}", text(&out));
    let after = text(&cli(dir.path(), "show checkins"));
    assert_eq!(compliance(&after).as_deref(), Some("7.0s"), "{after}");
}

/// Threads of `pid` whose name is the runtime's worker name (truncated by the kernel).
fn runtime_workers(pid: u32) -> usize {
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task")).expect("task list");
    tasks
        .flatten()
        .filter(|t| std::fs::read_to_string(t.path().join("comm")).is_ok_and(|c| c.trim() == "tokio-rt-worker"))
        .count()
}

/// The runtime's worker count once it has settled: a new worker thread names itself only
/// when it first runs, which on a busy machine can come after the daemon says it is ready.
fn settled_workers(pid: u32, expected: usize) -> usize {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let seen = runtime_workers(pid);
        if seen == expected || std::time::Instant::now() > deadline {
            return seen;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_runtime_has_one_worker_per_core_unless_told() {
    let dir = setup();
    let daemon = Daemon::start(dir.path(), &[]);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(settled_workers(daemon.child.id(), cores), cores);
    drop(daemon);
    let dir = setup();
    let daemon = Daemon::start(dir.path(), &["--worker-threads", "3"]);
    assert_eq!(settled_workers(daemon.child.id(), 3), 3);
}

#[test]
fn the_shutdown_notice_applies_at_commit() {
    let dir = setup();
    let mut daemon = Daemon::start(dir.path(), &[]);
    let out = cli(dir.path(), "configure terminal ; shutdown-notice 2 ; commit");
    assert!(out.status.success() && !text(&out).contains("Applies at the next"), "{}", text(&out));
    let stopping = std::time::Instant::now();
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(daemon.child.id() as i32), nix::sys::signal::Signal::SIGTERM)
        .expect("SIGTERM");
    let withdrawn = daemon.wait_for("health withdrawn");
    assert!(withdrawn.contains("notice_secs=2"), "{withdrawn}");
    daemon.child.wait().expect("posternd exits");
    assert!(stopping.elapsed() >= std::time::Duration::from_secs(2), "stopped before the committed notice ended");
}

/// The effect on tunnels is shown by proxy-apptunnel's
/// `a_changed_idle_timeout_applies_to_tunnels_opened_afterwards`; here, that the daemon
/// treats the setting as live (the demo configuration runs no AppTunnel listener).
#[test]
fn the_apptunnel_idle_timeout_is_applied_at_commit_not_held_for_reload() {
    let dir = setup();
    let _daemon = Daemon::start(dir.path(), &[]);
    let out = cli(dir.path(), "configure terminal ; apptunnel idle-timeout 45 ; commit");
    assert!(out.status.success() && !text(&out).contains("Applies at the next"), "{}", text(&out));
    assert!(
        text(&cli(dir.path(), "show configuration pending-reload")).contains("Every committed setting is in effect")
    );
}
