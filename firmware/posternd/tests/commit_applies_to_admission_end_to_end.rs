//! Settings that decide how the proxy listeners admit a connection, applied at commit:
//! `activesync proxy-protocol-from` and `apptunnel proxy-protocol-from` (which balancers
//! may send a PROXY protocol header) and `apptunnel identity-from-common-name` (AppTunnel
//! and the Host Checker). Each is observed from outside by a real client within a second
//! of the commit, while a tunnel opened before it keeps working.

mod common;

use common::haproxy::{Frontend, Haproxy};
use common::live::{OpenTunnel, all_in_effect, commit_now, gateway, within_a_second};
use common::posture::{fixtures, posture, server_pki, start_on_any_port};
use common::proxy::{
    ALLOWED_QUERY, activesync, activesync_from, apptunnel_section, backend, common_name_only_device, device_pki,
    through_tunnel, through_tunnel_from, write_config,
};
use std::path::Path;
use std::process::Command;

/// The balancers' addresses towards the gateway, and a device's address behind them.
const BALANCER: &str = "127.0.0.2";
const OTHER_BALANCER: &str = "127.0.0.3";
const DEVICE: &str = "127.0.0.77";

/// An ActiveSync request from `source` that starts with a PROXY protocol v1 header (curl's
/// `--haproxy-protocol`, naming `source` as the client); its status line, empty when the
/// connection was refused.
fn sync_with_header(dir: &Path, source: &str, port: u16) -> String {
    let out = Command::new("curl")
        .args(["-s", "--max-time", "10", "--haproxy-protocol", "--interface", source, "-D", "-", "-X", "POST"])
        .args(["--data", "sync", "--cacert"])
        .arg(dir.join("cert.pem"))
        .arg(format!("https://127.0.0.1:{port}/Microsoft-Server-ActiveSync?{ALLOWED_QUERY}"))
        .output()
        .expect("curl runs");
    String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().to_owned()
}

#[test]
fn activesync_balancers_apply_at_commit_while_a_tunnel_stays_open() {
    let mut gw = gateway();
    let dir = gw.dir.path().to_owned();
    let port = gw.activesync;
    let mut tunnel = OpenTunnel::open(&dir, gw.apptunnel, "uem-0001", &format!("127.0.0.1:{}", gw.back.port));
    assert!(sync_with_header(&dir, BALANCER, port).is_empty(), "a header was read before any balancer was listed");

    commit_now(&dir, &format!("activesync proxy-protocol-from {BALANCER}/32"));
    within_a_second("the listed balancer's header is read", || sync_with_header(&dir, BALANCER, port).contains("200"));
    all_in_effect(&dir);
    let access = gw.daemon.wait_for("postern::access: ActiveSync request");
    assert!(access.contains(&format!("peer={BALANCER} ")), "the header's client is not the request's: {access}");
    let (status, _) = activesync_from(&dir, "127.0.0.1", port, ALLOWED_QUERY);
    assert!(status.is_empty(), "a direct connection was served behind balancers: {status}");
    assert!(gw.daemon.wait_for("not a configured balancer refused").contains("peer=127.0.0.1:"));

    // The balancer replaced by another: the removed one is refused at accept.
    commit_now(
        &dir,
        &format!("no activesync proxy-protocol-from {BALANCER}/32\nactivesync proxy-protocol-from {OTHER_BALANCER}/32"),
    );
    within_a_second("the removed balancer is refused", || sync_with_header(&dir, BALANCER, port).is_empty());
    assert!(gw.daemon.wait_for("not a configured balancer refused").contains(&format!("peer={BALANCER}:")));
    assert!(sync_with_header(&dir, OTHER_BALANCER, port).contains("200"), "the added balancer is not trusted");

    // No balancer at all: clients connect directly again.
    commit_now(&dir, "no activesync proxy-protocol-from");
    within_a_second("direct clients are served", || activesync(&dir, port, ALLOWED_QUERY).0.contains("200"));
    all_in_effect(&dir);
    assert!(tunnel.get("/still-open"), "the tunnel was dropped by the commits: {}", tunnel.seen);
}

#[test]
fn apptunnel_balancers_apply_at_commit_and_open_tunnels_keep_what_they_were_accepted_with() {
    let mut gw = gateway();
    let dir = gw.dir.path().to_owned();
    let mut tunnel = OpenTunnel::open(&dir, gw.apptunnel, "uem-0001", &format!("127.0.0.1:{}", gw.back.port));
    let frontend = Frontend::bind();
    let haproxy_config = format!(
        "defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n\
         frontend apps\n  bind {}\n  default_backend gateway\n\
         backend gateway\n  server g1 127.0.0.1:{} send-proxy-v2 source {BALANCER}\n",
        frontend.bind_arg(),
        gw.apptunnel
    );
    let haproxy = Haproxy::start(&dir, &haproxy_config, vec![frontend]);
    let url = format!("http://127.0.0.1:{}/via-balancer", gw.back.port);
    let via_balancer = || through_tunnel_from(&dir, DEVICE, haproxy.ports[0], "uem-0001", &url, true).0;
    assert_ne!(via_balancer(), "200", "a PROXY v2 header was read before any balancer was listed");

    commit_now(&dir, &format!("apptunnel proxy-protocol-from {BALANCER}/32"));
    within_a_second("tunnels through the listed balancer", || via_balancer() == "200");
    all_in_effect(&dir);
    assert_ne!(through_tunnel(&dir, gw.apptunnel, "uem-0001", &url, true).0, "200", "a direct tunnel was opened");
    gw.daemon.wait_for("not a configured balancer refused");
    assert!(tunnel.get("/accepted-before"), "the tunnel accepted without a header was dropped: {}", tunnel.seen);
    assert!(activesync(&dir, gw.activesync, ALLOWED_QUERY).0.contains("200"), "ActiveSync stopped serving");
}

#[test]
fn the_common_name_fallback_applies_at_commit_while_a_tunnel_stays_open() {
    let gw = gateway();
    let dir = gw.dir.path().to_owned();
    common_name_only_device(&dir, "uem-0001");
    let mut tunnel = OpenTunnel::open(&dir, gw.apptunnel, "uem-0001", &format!("127.0.0.1:{}", gw.back.port));
    let url = format!("http://127.0.0.1:{}/by-common-name", gw.back.port);
    let status = || through_tunnel(&dir, gw.apptunnel, "cn-uem-0001", &url, true).0;
    assert_eq!(status(), "403", "a certificate without the device URI was identified");

    commit_now(&dir, "apptunnel identity-from-common-name");
    within_a_second("the common name identifies the device", || status() == "200");
    all_in_effect(&dir);
    commit_now(&dir, "no apptunnel identity-from-common-name");
    within_a_second("the common name no longer identifies the device", || status() == "403");
    assert!(tunnel.get("/still-open"), "the tunnel was dropped by the commits: {}", tunnel.seen);
}

#[test]
fn the_host_checker_identifies_a_device_by_its_common_name_from_the_commit_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let dir = dir.path();
    server_pki(dir);
    device_pki(dir, &["uem-0001"]);
    common_name_only_device(dir, "uem-0001");
    let back = backend(dir);
    let policy = "[host_checker]\nenabled = true\n\n[[host_checker.policies]]\nname = \"debian-baseline\"\n\
                  platforms = [\"linux:debian\"]\nrequired = [\"openssl >= 3.0.15\"]\n";
    write_config(dir, back.port, &format!("{}{policy}", apptunnel_section(dir, back.port)));
    let (mut daemon, port) = start_on_any_port(dir, &[]);
    let check = || posture(dir, port, "cn-uem-0001", "compliant", &fixtures("compliant").join("status"), "1.3");
    assert_ne!(check().status.code(), Some(0), "a certificate without the device URI was assessed");
    daemon.wait_for("Host Checker client without a device identity");

    commit_now(dir, "apptunnel identity-from-common-name");
    within_a_second("the common name identifies the endpoint", || check().status.code() == Some(0));
    all_in_effect(dir);
}
