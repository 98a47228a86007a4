//! Runs the real `postern-demo` binary over the sample traffic and checks its decisions.

use std::path::Path;
use std::process::Command;

fn run_demo(state: &Path, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_postern-demo"))
        .arg("--state-dir")
        .arg(state)
        .args(extra)
        .output()
        .expect("postern-demo starts");
    assert!(out.status.success(), "postern-demo failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// The row printed for `device` at `step` (the n-th such row, from 0).
fn row<'a>(output: &'a str, step: &str, device: &str, n: usize) -> &'a str {
    output
        .lines()
        .filter(|l| l.starts_with(step) && l.contains(device))
        .nth(n)
        .unwrap_or_else(|| panic!("no row {n} for {step} {device} in:\n{output}"))
}

#[test]
fn sample_traffic_is_decided_per_the_contract() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = run_demo(dir.path(), &[]);
    assert!(row(&out, "Sync (plain)", "ApplA1B2C3D4E5F6", 0).contains("allow          uem-compliant"));
    assert!(row(&out, "Ping (base64)", "ApplC0FFEE000001", 0).contains("block          uem-quarantined"));
    assert!(row(&out, "FolderSync (base64)", "SEC1E7E7E7E7E7E7", 0).contains("allowed-on-other-gateway"));
    assert!(row(&out, "Sync (plain)", "ApplA1B2C3D4E5F6", 1).contains("cached-allowed"));
    assert!(row(&out, "Sync (plain)", "NEWDEV0000000001", 0).contains("allow          uem-unreachable-fail-open"));
    assert!(row(&out, "recheck", "NEWDEV0000000001", 0).contains("block          uem-no-match"));
    // AppTunnels are known by the UEM device id their certificate names.
    assert!(row(&out, "checkin (tunnel)", "uem-0002", 0).contains("allowed -> blocked"));
    assert!(row(&out, "checkin (ActiveSync)", "ApplA1B2C3D4E5F6", 0).contains("live connections cut"));
    assert_eq!(out.lines().filter(|l| l.starts_with("malformed") && l.contains("reject 400")).count(), 3);
}

#[test]
fn a_restart_restores_the_cache_and_asks_the_uem_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_demo(dir.path(), &[]);
    let again = run_demo(dir.path(), &[]);
    // The unregistered device seen once is remembered in memory only, not cached.
    assert!(again.contains("start-up: 6 ActiveSync devices restored"), "{again}");
    assert!(again.contains("2 AppTunnels reloaded"), "{again}");
    // Restored devices are evaluated as first accesses again (S7), not from the cache.
    assert!(row(&again, "Sync (plain)", "ApplA1B2C3D4E5F6", 0).contains("uem-compliant"));
    let fresh = run_demo(dir.path(), &["--fresh"]);
    assert!(fresh.contains("start-up: 0 ActiveSync devices restored"), "{fresh}");
}

#[test]
fn a_damaged_cache_is_moved_aside_and_devices_are_asked_about_again() {
    let dir = tempfile::tempdir().expect("temp dir");
    run_demo(dir.path(), &[]);
    let cache = dir.path().join("device-cache");
    for entry in std::fs::read_dir(&cache).expect("cache dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            std::fs::write(&path, b"\xde\xad\xbe\xef not a cache").expect("overwrite");
        }
    }
    let out = run_demo(dir.path(), &[]);
    assert!(out.contains("device cache was damaged"), "{out}");
    assert!(out.contains("start-up: 0 ActiveSync devices restored"), "{out}");
    assert!(row(&out, "Sync (plain)", "ApplA1B2C3D4E5F6", 0).contains("uem-compliant"));
}

#[test]
fn the_cache_is_sized_by_the_configuration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = postern_config::Config::demo();
    config.device_cache.size = 3;
    let file = dir.path().join("demo.toml");
    config.save(&file).expect("configuration written");
    let out = run_demo(&dir.path().join("state"), &["--config", file.to_str().expect("utf-8 path")]);
    assert!(out.contains("(capacity 3)"), "{out}");
    // The sample caches 8 entries; the configured size keeps the 3 most recently used (S9).
    assert!(out.contains("device cache now holds 3 entries"), "{out}");
}

#[test]
fn a_reader_that_went_away_ends_the_run_quietly() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_postern-demo"))
        .arg("--state-dir")
        .arg(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("postern-demo starts");
    // The pipe's reader is gone before the demo writes its first line (it opens its
    // device cache first), as when its output goes into `head` and head has ended.
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("postern-demo ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "status {:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}
