//! The endpoint agent reports posture (H5, the endpoint's side), end to end: a real
//! posternd with the Host Checker and the agents' control channel; the real
//! `postern-agent` with `[posture]` reports the fixture endpoint at start, reports again
//! when its package database changes (no re-run, no restart), and shows the gateway's
//! verdict, reason and remediation in `postern-agent status`; the gateway records each
//! verdict against the device of the agent's certificate.

mod common;

use common::posture::{fixtures, replace, server_pki, start_on_any_port};
use common::proxy::{apptunnel_section, device_pki, write_config};
use common::{Daemon, agent_binary, cli, free_configured_port, text};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const POLICY: &str = r#"
[host_checker]
enabled = true

[[host_checker.policies]]
name = "debian-baseline"
platforms = ["linux:debian"]
forbidden = ["telnetd"]
"#;

/// `postern-agent status` for the agent configured in `config`.
fn status(config: &Path) -> (Option<i32>, String) {
    let out = Command::new(agent_binary()).arg("--config").arg(config).arg("status").output().expect("status runs");
    (out.status.code(), text(&out))
}

/// Waits (up to 20 s) until the agent's status satisfies `wanted`.
fn wait_status(config: &Path, log: &Path, wanted: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let (_, shown) = status(config);
        if wanted(&shown) {
            return shown;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "status never as wanted; last:\n{shown}\nagent log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn start_agent(dir: &Path, agent_port: u16, checker_port: u16, packages: &Path) -> (Child, PathBuf, PathBuf) {
    let fixture = fixtures("compliant");
    let config = dir.join("agent.toml");
    std::fs::write(
        &config,
        format!(
            "gateway = \"127.0.0.1:{agent_port}\"\nca_file = \"{ca}\"\ncertificate_file = \"{cert}\"\n\
             key_file = \"{key}\"\nstate_dir = \"{state}\"\n\n[posture]\nserver = \"127.0.0.1:{checker_port}\"\n\
             os_release = \"{os}\"\ndpkg_status = \"{packages}\"\nkernel_release = \"{kernel}\"\nip_forward = \"{fwd}\"\n",
            ca = dir.join("server-ca.pem").display(),
            cert = dir.join("laptop-1.pem").display(),
            key = dir.join("laptop-1-key.pem").display(),
            state = dir.join("agent-state").display(),
            os = fixture.join("os-release").display(),
            packages = packages.display(),
            kernel = fixture.join("osrelease").display(),
            fwd = fixture.join("ip_forward").display(),
        ),
    )
    .expect("agent config");
    let log = dir.join("agent.log");
    let child = Command::new(agent_binary())
        .arg("--config")
        .arg(&config)
        .arg("run")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).expect("log file"))
        .spawn()
        .expect("postern-agent starts");
    (child, config, log)
}

#[test]
fn the_agent_reports_posture_at_start_and_again_when_the_endpoint_changes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["laptop-1"]);
    let agent_port = free_configured_port();
    let agent = format!(
        "\n[agent]\nenabled = true\nport = {agent_port}\n\n[[agent.resources]]\nname = \"intranet\"\n\
         prefixes = [\"10.1.0.0/16\"]\nports = [443]\nservice = \"crm\"\n"
    );
    write_config(dir, 9, &format!("{}{agent}{POLICY}", apptunnel_section(dir, 9)));
    let (mut daemon, checker_port): (Daemon, u16) = start_on_any_port(dir, &[]);

    let packages = dir.join("status");
    let compliant = std::fs::read_to_string(fixtures("compliant").join("status")).expect("fixture");
    std::fs::write(&packages, &compliant).expect("packages");
    let (mut child, config, log) = start_agent(dir, agent_port, checker_port, &packages);

    let shown = wait_status(&config, &log, |s| s.contains("Posture: allowed"));
    assert!(shown.starts_with("State: connected"), "the control channel is up too:\n{shown}");
    let line = daemon.wait_for("host check decided");
    assert!(line.contains("laptop-1") && line.contains("compliant=true"), "{line}");

    // telnetd gets installed: the agent sees it and asks for a new assessment by itself.
    replace(&packages, &format!("{compliant}Package: telnetd\nStatus: install ok installed\nVersion: 0.17-42\n\n"));
    let shown = wait_status(&config, &log, |s| s.contains("Posture: denied"));
    assert!(shown.contains("Remediation:") && shown.contains("telnetd"), "says what to fix:\n{shown}");
    let line = daemon.wait_for("host check decided");
    assert!(line.contains("laptop-1") && line.contains("compliant=false"), "{line}");
    let sessions = text(&cli(dir, "show host-checker sessions"));
    assert!(sessions.lines().any(|l| l.starts_with("laptop-1") && l.contains("noncompliant")), "{sessions}");

    // Removed again: allowed again, in the same session.
    replace(&packages, &compliant);
    wait_status(&config, &log, |s| s.contains("Posture: allowed"));
    let agent_log = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(agent_log.matches("posture session failed").count(), 0, "one session throughout:\n{agent_log}");

    let _ = child.kill();
    let _ = child.wait();
}
