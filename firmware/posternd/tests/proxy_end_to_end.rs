//! posternd serving ActiveSync and AppTunnel over TLS to a real back end, with curl as
//! the device: allowed devices reach the back end, blocked ones never do (S1, S2, S4),
//! plain HTTP proxying through AppTunnel, and the metrics listener reporting all of it.

mod common;

use common::proxy::{
    ALLOWED_QUERY, activesync, apptunnel_section, backend, backend_log, certificate, device_pki, metrics_with,
    port_from, through_tunnel, write_config,
};
use common::{Daemon, text};
use std::process::Command;

#[test]
fn allowed_devices_reach_the_back_end_and_blocked_ones_never_do() {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"]);
    let proxy = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let metrics = port_from(&daemon.line_with("metrics listening"));

    let (status, all) = activesync(dir.path(), proxy, ALLOWED_QUERY);
    assert!(status.contains("200"), "{all}");
    assert!(all.contains("backend saw the request"), "{all}");
    let (status, all) =
        activesync(dir.path(), proxy, "Cmd=Sync&User=bob%40example.com&DeviceId=SEC1B0B0B0B0B0B0&DeviceType=Android");
    assert!(status.contains("403"), "{all}");
    assert!(all.to_ascii_lowercase().contains("x-postern-reason: uem-blocked"), "{all}");
    let (status, all) = activesync(dir.path(), proxy, "Cmd=Sync&DeviceId=not-valid!");
    assert!(status.contains("400"), "{all}");
    let seen = backend_log(dir.path());
    assert!(seen.contains("ApplA1B2C3D4E5F6"), "{seen}");
    assert!(
        !seen.contains("SEC1B0B0B0B0B0B0") && !seen.contains("not-valid"),
        "the back end saw a refused request: {seen}"
    );

    let wanted = [
        "postern_proxy_connections_accepted_total 3",
        "postern_decisions_total{reason=\"uem-compliant\"} 1",
        "postern_decisions_total{reason=\"uem-blocked\"} 1",
        "postern_activesync_requests_total{outcome=\"done\"} 1",
        "postern_activesync_requests_total{outcome=\"blocked\"} 1",
        "postern_activesync_requests_total{outcome=\"malformed\"} 1",
    ];
    let body = metrics_with(metrics, &wanted);
    for line in wanted {
        assert!(body.lines().any(|l| l == line), "{line} missing:\n{body}");
    }
    assert!(body.contains("postern_checkin_compliance_runs_total{result=\"success\"}"), "{body}");
}

#[test]
fn apps_reach_services_through_tunnels_only_for_allowed_devices() {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    device_pki(dir.path(), &["uem-0001", "uem-0002"]);
    let back = backend(dir.path());
    write_config(dir.path(), back.port, &apptunnel_section(dir.path(), back.port));
    let mut daemon =
        Daemon::start(dir.path(), &["--apptunnel-listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"]);
    let port = port_from(&daemon.line_with("AppTunnel listening"));
    let metrics = port_from(&daemon.line_with("metrics listening"));
    let url = format!("http://127.0.0.1:{}/tunnelled", back.port);
    // S4: alice's phone is compliant; the UEM authorises the app and the tunnel opens.
    let (status, body) = through_tunnel(dir.path(), port, "uem-0001", &url, true);
    assert_eq!(status, "200", "{body}");
    assert!(body.contains("backend saw the request POST /tunnelled"), "{body}");
    // The same app as a plain HTTP proxy client: decided from the cache, forwarded in
    // origin form without the proxy's own headers.
    let (status, body) =
        through_tunnel(dir.path(), port, "uem-0001", &format!("http://127.0.0.1:{}/plain?x=1", back.port), false);
    assert_eq!(status, "200", "{body}");
    assert!(body.contains("backend saw the request GET /plain?x=1 headers:"), "{body}");
    assert!(!body.contains("proxy-") && !body.contains("x-postern-app"), "proxy headers reached the back end: {body}");
    // bob's phone is blocked at the UEM: no tunnel, and the service never sees it.
    let (status, body) = through_tunnel(dir.path(), port, "uem-0002", &url, true);
    assert_eq!(status, "403", "{body}");
    let (status, body) = through_tunnel(dir.path(), port, "uem-0002", &url, false);
    assert_eq!(status, "403", "{body}");
    let seen = backend_log(dir.path());
    assert_eq!(seen.lines().filter(|l| l.contains("/tunnelled")).count(), 1, "{seen}");
    let tunnels = text(&common::cli(dir.path(), "show tunnels"));
    assert!(tunnels.contains("tunnel uem-0001/com.example.crm/crm") && tunnels.contains("allowed"), "{tunnels}");
    // A client without a device certificate fails the handshake, and that is counted.
    let out = Command::new("curl")
        .args(["-s", "--max-time", "5", "--proxy", &format!("https://127.0.0.1:{port}"), "--proxy-cacert"])
        .arg(dir.path().join("cert.pem"))
        .arg(&url)
        .output()
        .expect("curl runs");
    assert!(!out.status.success());

    let wanted = [
        "postern_apptunnel_requests_total{outcome=\"tunnel\"} 1",
        "postern_apptunnel_requests_total{outcome=\"forwarded\"} 1",
        "postern_apptunnel_requests_total{outcome=\"blocked\"} 2",
        "postern_apptunnel_tunnels_open 0",
        "postern_proxy_tls_handshake_failures_total{reason=\"no_certificate\"} 1",
    ];
    let body = metrics_with(metrics, &wanted);
    for line in wanted {
        assert!(body.lines().any(|l| l == line), "{line} missing:\n{body}");
    }
}
