//! Host Checker end to end: a real posternd serves PT-TLS on the configured port; the
//! real `postern-posture` collector reports a compliant and a non-compliant system
//! image (fixtures) through TLS 1.3 and 1.2 and gets the verdict and the remediation;
//! `openssl s_client` checks the TLS part (device certificate required) and the PT-TLS
//! version exchange; the CLI shows each device's result and metrics count the checks;
//! a service requiring a policy follows the device's last decision, across a restart.

mod common;

use common::posture::{
    contains, fixtures, lines_of, next_access, posture, posture_binary, replace, s_client, server_pki,
    start_on_any_port,
};
use common::proxy::{apptunnel_section, backend, device_pki, metrics_with, port_from, through_tunnel, write_config};
use common::{Daemon, cli, text};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const POLICY: &str = r#"
[host_checker]
enabled = true
port = PORT

[[host_checker.policies]]
name = "debian-baseline"
platforms = ["linux:debian"]
min_os_version = "12"
required = ["openssl >= 3.0.15"]
forbidden = ["telnetd"]
deny_forwarding = true
remediation_url = "https://fix.example/debian"
"#;

/// The compliant fixture's packages plus `extra` more: a full system's list.
fn large_status(dir: &Path, extra: usize) -> PathBuf {
    let mut text = std::fs::read_to_string(fixtures("compliant").join("status")).expect("fixture");
    for i in 0..extra {
        text.push_str(&format!(
            "Package: lib-generated-{i:04}\nStatus: install ok installed\nVersion: 2.{i}.1-3+deb12u1\n\n"
        ));
    }
    let path = dir.join("status-large");
    std::fs::write(&path, text).expect("status file");
    path
}

#[test]
fn compliant_and_non_compliant_endpoints_through_tls_1_3_and_1_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-ok", "dev-bad"]);
    let port = common::free_configured_port();
    let extra = format!("{}{}", apptunnel_section(dir, 9), POLICY.replace("PORT", &port.to_string()));
    write_config(dir, 9, &extra);
    let mut daemon = Daemon::start(dir, &["--metrics-listen", "127.0.0.1:0"]);
    let listening = daemon.line_with("Host Checker verifier listening");
    assert_eq!(port_from(&listening), port, "host_checker.port is where it listens: {listening}");
    let metrics_port = port_from(&daemon.line_with("metrics listening"));

    // A compliant Debian 12 with 1 500 packages (about 60 KiB: sent in segments), TLS 1.3.
    let status = large_status(dir, 1500);
    let ok = posture(dir, port, "dev-ok", "compliant", &status, "1.3");
    let ok_text = text(&ok);
    assert_eq!(ok.status.code(), Some(0), "{ok_text}");
    assert!(ok_text.contains("connected with TLSv1_3"), "{ok_text}");
    assert!(ok_text.contains("1504 packages"), "{ok_text}");
    assert!(ok_text.contains("Assessment: Compliant") && ok_text.contains("Access: allowed"), "{ok_text}");
    assert!(!ok_text.contains("Remediation:"), "{ok_text}");

    // A non-compliant Debian 11 (old openssl, telnetd, forwarding on), TLS 1.2.
    let bad = posture(dir, port, "dev-bad", "noncompliant", &fixtures("noncompliant").join("status"), "1.2");
    let bad_text = text(&bad);
    assert_eq!(bad.status.code(), Some(2), "{bad_text}");
    assert!(bad_text.contains("connected with TLSv1_2"), "{bad_text}");
    assert!(
        bad_text.contains("Access: denied") && bad_text.contains("Reason: not compliant: 4 check(s) failed"),
        "{bad_text}"
    );
    for check in [
        "debian-baseline (min-os-version): OS version 11 is older than 12. Upgrade the operating system to 12 or later.",
        "debian-baseline (required:openssl): openssl 1.1.1w-0+deb11u1 is not >= 3.0.15. Install openssl >= 3.0.15.",
        "debian-baseline (forbidden:telnetd): telnetd 0.17-42 is installed (any version is forbidden). Remove telnetd.",
        "debian-baseline (forwarding): IP forwarding is enabled. Disable IP forwarding.",
    ] {
        let line = format!("Remediation: {check} See https://fix.example/debian");
        assert!(bad_text.lines().any(|l| l == line), "missing {line:?} in:\n{bad_text}");
    }

    // The gateway recorded both, by device identity from the certificate.
    let results = text(&cli(dir, "show host-checker results"));
    assert!(results.lines().any(|l| l.starts_with("dev-ok") && l.contains(" compliant ")), "{results}");
    assert!(
        results
            .lines()
            .any(|l| l.starts_with("dev-bad") && l.contains("non-compliant") && l.contains("debian-baseline")),
        "{results}"
    );
    let one = text(&cli(dir, "show host-checker results dev-bad"));
    assert!(one.contains("FAIL debian-baseline forbidden:telnetd: telnetd 0.17-42 is installed"), "{one}");
    let metrics = metrics_with(
        metrics_port,
        &[
            "postern_host_checker_checks_total{result=\"compliant\"} 1",
            "postern_host_checker_checks_total{result=\"noncompliant\"} 1",
        ],
    );
    assert!(metrics.contains("postern_host_checker_checks_total{result=\"noncompliant\"} 1"), "{metrics}");

    // A commit takes effect at once: without the forbidden-software rule and the
    // forwarding rule, the same endpoint fails two checks instead of four.
    let commit = text(&cli(
        dir,
        "configure terminal ; host-checker policy debian-baseline ; no forbid telnetd ; no deny-forwarding ; exit ; commit",
    ));
    assert!(commit.contains("Committed revision"), "{commit}");
    daemon.wait_for("Host Checker policies changed by a commit");
    let again = text(&posture(dir, port, "dev-bad", "noncompliant", &fixtures("noncompliant").join("status"), "1.3"));
    assert!(again.contains("Reason: not compliant: 2 check(s) failed"), "{again}");
}

#[test]
fn openssl_s_client_speaks_pt_tls_only_with_a_device_certificate() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-ok"]);
    let extra = format!("{}{}", apptunnel_section(dir, 9), POLICY.replace("PORT", "271"));
    write_config(dir, 9, &extra);
    let (mut daemon, port) = start_on_any_port(dir, &[]);

    // Version Request (PT-TLS 1), then a PB-TNC batch of an unknown type: the verifier
    // answers the version, then a PB-Error in a CLOSE batch, and closes.
    let version_request = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 20, 0, 0, 0, 0, 0, 1, 1, 1];
    let bad_batch = [0, 0, 0, 0, 0, 0, 0, 7, 0, 0, 0, 24, 0, 0, 0, 1, 2, 0, 0, 9, 0, 0, 0, 8];
    let version_response = [0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 20, 0, 0, 0, 0, 0, 0, 0, 1];
    let input = [&version_request[..], &bad_batch[..]].concat();
    for tls in ["-tls1_2", "-tls1_3"] {
        let out = s_client(dir, port, &[tls, "-cert", "dev-ok.pem", "-key", "dev-ok-key.pem"], &input);
        let shown = String::from_utf8_lossy(&out);
        assert!(shown.contains("Verify return code: 0 (ok)"), "{tls}: {shown}");
        assert!(contains(&out, &version_response), "{tls}: no Version Response in:\n{shown}");
    }
    daemon.wait_for("host check failed");

    // Without a device certificate the handshake fails and no PT-TLS byte comes back.
    let out = s_client(dir, port, &["-tls1_3"], &input);
    assert!(!contains(&out, &version_response), "{}", String::from_utf8_lossy(&out));
    let out = s_client(dir, port, &["-tls1_2"], &input);
    assert!(!contains(&out, &version_response), "{}", String::from_utf8_lossy(&out));
    assert!(String::from_utf8_lossy(&out).contains("alert"), "{}", String::from_utf8_lossy(&out));
}

/// Lines of a child's stdout, as they come.
#[test]
fn a_package_change_on_the_endpoint_triggers_a_new_check_that_changes_the_decision() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["dev-watch"]);
    let extra = format!("{}{}", apptunnel_section(dir, 9), POLICY.replace("PORT", "271"));
    write_config(dir, 9, &extra);
    let (mut daemon, port) = start_on_any_port(dir, &[]);

    let endpoint = dir.join("endpoint");
    std::fs::create_dir(&endpoint).expect("endpoint dir");
    let compliant = std::fs::read_to_string(fixtures("compliant").join("status")).expect("fixture");
    std::fs::write(endpoint.join("status"), &compliant).expect("status");
    let fixture = fixtures("compliant");
    let mut child = Command::new(posture_binary())
        .args(["--server", &format!("127.0.0.1:{port}"), "--server-name", "localhost", "--watch"])
        .arg("--ca")
        .arg(dir.join("server-ca.pem"))
        .arg("--cert")
        .arg(dir.join("dev-watch.pem"))
        .arg("--key")
        .arg(dir.join("dev-watch-key.pem"))
        .arg("--os-release")
        .arg(fixture.join("os-release"))
        .arg("--dpkg-status")
        .arg(endpoint.join("status"))
        .arg("--kernel-release")
        .arg(fixture.join("osrelease"))
        .arg("--ip-forward")
        .arg(fixture.join("ip_forward"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("postern-posture runs");
    let lines = lines_of(&mut child);
    assert_eq!(next_access(&lines), "Access: allowed");
    daemon.wait_for("compliant=true");

    // telnetd gets installed: the collector notices and the gateway's decision follows.
    let installed =
        format!("{compliant}Package: telnetd\nStatus: install ok installed\nVersion: 0.17+2.4-2+deb12u1\n\n");
    let changed = std::time::Instant::now();
    replace(&endpoint.join("status"), &installed);
    let line = daemon.wait_for("compliant=false");
    let to_denied = changed.elapsed();
    assert!(line.contains("dev-watch") && line.contains("debian-baseline"), "{line}");
    assert_eq!(next_access(&lines), "Access: denied");
    let results = text(&cli(dir, "show host-checker results dev-watch"));
    assert!(
        results.contains("non-compliant") && results.contains("FAIL debian-baseline forbidden:telnetd"),
        "{results}"
    );

    // Removed again (remediated): admitted again.
    let changed = std::time::Instant::now();
    replace(&endpoint.join("status"), &compliant);
    daemon.wait_for("compliant=true");
    let to_allowed = changed.elapsed();
    assert_eq!(next_access(&lines), "Access: allowed");
    eprintln!(
        "endpoint change to gateway decision: {to_denied:?} (to denied), {to_allowed:?} (to allowed), 200 ms of which is the collector's settle time"
    );
    assert!(to_denied < std::time::Duration::from_secs(5) && to_allowed < std::time::Duration::from_secs(5));
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_service_requiring_a_policy_refuses_a_failed_device_and_admits_it_after_remediation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["uem-0001"]);
    let back = backend(dir);
    let policy = POLICY.replace("PORT", "271") + "required_for_services = [\"crm\"]\n";
    write_config(dir, back.port, &format!("{}{policy}", apptunnel_section(dir, back.port)));
    let (mut daemon, port) = start_on_any_port(dir, &["--apptunnel-listen", "127.0.0.1:0"]);
    let tunnels = port_from(&daemon.line_with("AppTunnel listening"));
    let url = format!("http://127.0.0.1:{}/crm", back.port);

    // Never assessed: refused, naming the policy.
    let (status, body) = through_tunnel(dir, tunnels, "uem-0001", &url, false);
    assert_eq!((status.as_str(), body.trim()), ("403", "posture-failed:debian-baseline"));
    // Assessed non-compliant: still refused, plain HTTP and CONNECT alike.
    let bad = posture(dir, port, "uem-0001", "noncompliant", &fixtures("noncompliant").join("status"), "1.3");
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    let (status, body) = through_tunnel(dir, tunnels, "uem-0001", &url, false);
    assert_eq!((status.as_str(), body.trim()), ("403", "posture-failed:debian-baseline"));
    assert_eq!(through_tunnel(dir, tunnels, "uem-0001", &url, true).0, "403");
    // Remediated and assessed again: admitted.
    let ok = posture(dir, port, "uem-0001", "compliant", &fixtures("compliant").join("status"), "1.3");
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    let (status, body) = through_tunnel(dir, tunnels, "uem-0001", &url, true);
    assert_eq!(status, "200", "{body}");
    let (status, body) = through_tunnel(dir, tunnels, "uem-0001", &url, false);
    assert_eq!(status, "200", "{body}");

    // A restart keeps the decision: admitted without a new assessment, and shown.
    drop(daemon);
    let (mut daemon, _port) = start_on_any_port(dir, &["--apptunnel-listen", "127.0.0.1:0"]);
    assert!(daemon.line_with("posture results restored").contains("devices=1"));
    let tunnels = port_from(&daemon.line_with("AppTunnel listening"));
    let (status, body) = through_tunnel(dir, tunnels, "uem-0001", &url, false);
    assert_eq!(status, "200", "{body}");
    let results = text(&cli(dir, "show host-checker results uem-0001"));
    assert!(results.contains("device uem-0001: compliant"), "{results}");
}
