//! The Host Checker benchmark (`cargo xtask bench host-checker`, ignored in the test
//! suite): real posternd, real `postern-posture`, real `openssl s_client`.
//!
//! - Checks per second: sequential full checks of a 1 500-package endpoint (process
//!   start, TLS 1.3 with the device certificate, segments, decision), against sequential
//!   bare TLS handshakes of `openssl s_client` to the same listener (the peer), and the
//!   verifier's own CPU time per check (posternd's utime + stime).
//! - Endpoint change to decision: with `--watch`, a package installed and removed again
//!   N times; the time from the file's rename to the gateway's decision (including the
//!   collector's 200 ms settle time); with the schedule, SRETRY sent to decision.

mod common;

use common::posture::{
    fixtures, lines_of, next_access, posture, replace, running_collector, server_pki, start_on_any_port,
};
use common::proxy::{apptunnel_section, device_pki, write_config};
use common::{cli, text};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const POLICY: &str = r#"
[host_checker]
enabled = true

[[host_checker.policies]]
name = "debian-baseline"
platforms = ["linux:debian"]
min_os_version = "12"
required = ["openssl >= 3.0.15"]
forbidden = ["telnetd"]
deny_forwarding = true
"#;

fn rounds(var: &str, default: usize) -> usize {
    std::env::var(var).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// posternd's CPU time so far (user + system), from /proc.
fn cpu(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("stat");
    let fields: Vec<&str> = stat.rsplit_once(") ").expect("comm").1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
    Duration::from_millis(ticks * 10)
}

/// The `HH:MM:SS.ffffff` of a log line, in seconds since midnight.
fn stamp(line: &str) -> f64 {
    let time = line.split('T').nth(1).and_then(|t| t.split('Z').next()).expect("timestamp");
    let mut parts = time.split(':').map(|p| p.parse::<f64>().expect("number"));
    let (h, m, s) = (parts.next().expect("h"), parts.next().expect("m"), parts.next().expect("s"));
    h * 3600.0 + m * 60.0 + s
}

fn summary(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{name}: median {:.1} ms, min {:.1} ms, max {:.1} ms ({} samples)",
        ms(samples[samples.len() / 2]),
        ms(samples[0]),
        ms(samples[samples.len() - 1]),
        samples.len()
    );
}

#[test]
#[ignore = "a benchmark: cargo xtask bench host-checker"]
fn host_checker_benchmark() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-bench", "dev-watch"]);
    write_config(dir, 9, &format!("{}{POLICY}", apptunnel_section(dir, 9)));
    let (mut daemon, port) = start_on_any_port(dir, &[]);
    let pid = daemon.child.id();

    // A full system's package list.
    let mut status = std::fs::read_to_string(fixtures("compliant").join("status")).expect("fixture");
    for i in 0..1500 {
        status.push_str(&format!(
            "Package: lib-gen-{i:04}\nStatus: install ok installed\nVersion: 2.{i}.1-3+deb12u1\n\n"
        ));
    }
    let status_file = dir.join("status-full");
    std::fs::write(&status_file, &status).expect("status");

    let checks = rounds("HC_BENCH_CHECKS", 100);
    let cpu_before = cpu(pid);
    let started = Instant::now();
    for _ in 0..checks {
        let out = posture(dir, port, "dev-bench", "compliant", &status_file, "1.3");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let check_wall = started.elapsed();
    let check_cpu = cpu(pid).saturating_sub(cpu_before);
    let started = Instant::now();
    for _ in 0..checks {
        let out = Command::new("openssl")
            .args(["s_client", "-connect", &format!("127.0.0.1:{port}"), "-servername", "localhost", "-tls1_3"])
            .arg("-CAfile")
            .arg(dir.join("server-ca.pem"))
            .arg("-cert")
            .arg(dir.join("dev-bench.pem"))
            .arg("-key")
            .arg(dir.join("dev-bench-key.pem"))
            .stdin(Stdio::null())
            .output()
            .expect("openssl");
        assert!(text(&out).contains("Verify return code: 0"), "{}", text(&out));
    }
    let handshake_wall = started.elapsed();
    let per = |d: Duration| d / u32::try_from(checks).expect("count");
    println!(
        "sequential full checks (1 504 packages): {:.1}/s ({:.1} ms each); bare TLS 1.3 handshakes with openssl s_client: {:.1}/s ({:.1} ms each); a check costs {:.2}x a handshake",
        checks as f64 / check_wall.as_secs_f64(),
        per(check_wall).as_secs_f64() * 1000.0,
        checks as f64 / handshake_wall.as_secs_f64(),
        per(handshake_wall).as_secs_f64() * 1000.0,
        check_wall.as_secs_f64() / handshake_wall.as_secs_f64()
    );
    println!(
        "verifier CPU per full check: {:.2} ms (posternd user+system over {checks} checks): at most {:.0} checks per CPU-second",
        per(check_cpu).as_secs_f64() * 1000.0,
        checks as f64 / check_cpu.as_secs_f64().max(0.001)
    );

    // Endpoint change to decision with --watch.
    let endpoint = dir.join("endpoint");
    std::fs::create_dir(&endpoint).expect("endpoint dir");
    let watched = endpoint.join("status");
    std::fs::write(&watched, &status).expect("status");
    let mut child = running_collector(dir, port, "dev-watch", &watched, "--watch");
    let lines = lines_of(&mut child);
    assert_eq!(next_access(&lines), "Access: allowed");
    daemon.wait_for("compliant=true");
    let with_telnetd = format!("{status}Package: telnetd\nStatus: install ok installed\nVersion: 0.17-42\n\n");
    let mut to_decision = Vec::new();
    for round in 0..rounds("HC_BENCH_CHANGES", 10) {
        let (text, want) =
            if round % 2 == 0 { (&with_telnetd, "compliant=false") } else { (&status, "compliant=true") };
        let changed = Instant::now();
        replace(&watched, text);
        let line = daemon.wait_for(want);
        assert!(line.contains("dev-watch"), "{line}");
        to_decision.push(changed.elapsed());
        next_access(&lines);
    }
    summary("endpoint change to gateway decision with --watch (200 ms of it the settle time)", to_decision);

    // The schedule: SRETRY to decision.
    let commit = text(&cli(dir, "configure terminal ; host-checker recheck-interval 5 ; commit"));
    assert!(commit.contains("Committed revision"), "{commit}");
    let mut sretry = Vec::new();
    for _ in 0..rounds("HC_BENCH_RECHECKS", 3) {
        let asked = daemon.wait_for("asking the collector for a new assessment (SRETRY)");
        let decided = daemon.wait_for("host check decided");
        sretry.push(Duration::from_secs_f64((stamp(&decided) - stamp(&asked)).max(0.0)));
    }
    summary("scheduled SRETRY to decision (1 504 packages, log timestamps)", sretry);
    let _ = child.kill();
    let _ = child.wait();
}
