//! Settings that a commit puts into effect in the running proxies, without a restart and
//! without dropping unrelated live connections: `tls min-version`, the ActiveSync back
//! end, AppTunnel services and the AppTunnel client CA. Each is observed from outside,
//! with an AppTunnel tunnel held open across the commit.

mod common;

use common::live::{OpenTunnel, commit, gateway, within};
use common::proxy::{ALLOWED_QUERY, activesync, backend, backend_log, device_pki, through_tunnel};
use std::path::Path;
use std::process::{Command, Stdio};

/// Whether `openssl s_client -tls1_2` completes a handshake with `port`.
fn tls12_served(dir: &Path, port: u16) -> bool {
    let out = Command::new("timeout")
        .args(["15", "openssl", "s_client", "-tls1_2", "-brief", "-connect", &format!("127.0.0.1:{port}"), "-CAfile"])
        .arg(dir.join("cert.pem"))
        .stdin(Stdio::null())
        .output()
        .expect("openssl runs");
    String::from_utf8_lossy(&out.stderr).contains("CONNECTION ESTABLISHED")
        || String::from_utf8_lossy(&out.stdout).contains("CONNECTION ESTABLISHED")
}

#[test]
fn tls_min_version_applies_at_commit_while_a_tunnel_stays_open() {
    let gw = gateway();
    let dir = gw.dir.path();
    let mut tunnel = OpenTunnel::open(dir, gw.apptunnel, "uem-0001", &format!("127.0.0.1:{}", gw.back.port));
    assert!(tunnel.get("/before"), "{}", tunnel.seen);
    assert!(tls12_served(dir, gw.activesync), "TLS 1.2 is served before the change");

    commit(dir, "tls min-version 1.3");
    let took = within(|| !tls12_served(dir, gw.activesync) && !tls12_served(dir, gw.apptunnel));
    assert!(took.is_some(), "TLS 1.2 is still served on a listener after the commit");
    assert!(tunnel.get("/after"), "the open tunnel was dropped by the TLS change: {}", tunnel.seen);
    let (status, all) = activesync(dir, gw.activesync, ALLOWED_QUERY);
    assert!(status.contains("200"), "TLS 1.3 clients are still served: {all}");
}

#[test]
fn the_activesync_back_end_applies_at_commit() {
    let gw = gateway();
    let dir = gw.dir.path();
    let other_dir = tempfile::tempdir().expect("temp dir");
    let other = backend(other_dir.path());
    let mut tunnel = OpenTunnel::open(dir, gw.apptunnel, "uem-0001", &format!("127.0.0.1:{}", gw.back.port));

    commit(dir, &format!("activesync backend http://127.0.0.1:{}", other.port));
    let (status, all) = activesync(dir, gw.activesync, ALLOWED_QUERY);
    assert!(status.contains("200"), "{all}");
    assert!(backend_log(other_dir.path()).contains("Cmd=Sync"), "the new back end got the request");
    assert!(!backend_log(dir).contains("Cmd=Sync"), "the old back end still got the request");
    assert!(tunnel.get("/still-open"), "an unrelated tunnel was dropped: {}", tunnel.seen);
}

#[test]
fn a_removed_service_cuts_its_tunnels_and_a_new_service_is_served_at_once() {
    let gw = gateway();
    let dir = gw.dir.path();
    let mut tunnel = OpenTunnel::open(dir, gw.apptunnel, "uem-0001", &format!("127.0.0.1:{}", gw.back.port));
    assert!(tunnel.get("/crm"), "{}", tunnel.seen);
    let other_dir = tempfile::tempdir().expect("temp dir");
    let other = backend(other_dir.path());
    let url = format!("http://127.0.0.1:{}/hr", other.port);
    let (status, _) = through_tunnel(dir, gw.apptunnel, "uem-0001", &url, true);
    assert_eq!(status, "404", "no service covers the other back end yet");

    commit(
        dir,
        &format!("no apptunnel service crm\napptunnel service hr\nkind http\nserver 127.0.0.1:{}\nexit", other.port),
    );
    assert!(tunnel.closes(), "the tunnel to the removed service stayed open");
    let status = || through_tunnel(dir, gw.apptunnel, "uem-0001", &url, true).0;
    assert!(within(|| status() == "200").is_some(), "the new service is not served: {}", status());
    assert!(backend_log(other_dir.path()).contains("/hr"));
}

#[test]
fn a_new_client_ca_decides_handshakes_at_once_and_keeps_open_tunnels() {
    let gw = gateway();
    let dir = gw.dir.path();
    let mut tunnel = OpenTunnel::open(dir, gw.apptunnel, "uem-0001", &format!("127.0.0.1:{}", gw.back.port));
    let other_pki = dir.join("other");
    std::fs::create_dir(&other_pki).expect("dir");
    device_pki(&other_pki, &["uem-0001"]);
    for file in ["uem-0001.pem", "uem-0001-key.pem"] {
        std::fs::copy(other_pki.join(file), dir.join(format!("other-{file}"))).expect("device certificate");
    }
    let url = format!("http://127.0.0.1:{}/ca", gw.back.port);
    assert_eq!(through_tunnel(dir, gw.apptunnel, "other-uem-0001", &url, true).0, "000", "another authority's device");

    commit(dir, &format!("apptunnel client-ca {}", other_pki.join("device-ca.pem").display()));
    let status = |device: &str| through_tunnel(dir, gw.apptunnel, device, &url, true).0;
    assert!(within(|| status("other-uem-0001") == "200").is_some(), "the new authority's device is refused");
    assert_eq!(status("uem-0001"), "000", "the old authority's device still completes a handshake");
    assert!(tunnel.get("/kept"), "the tunnel opened under the old authority was dropped: {}", tunnel.seen);
}
