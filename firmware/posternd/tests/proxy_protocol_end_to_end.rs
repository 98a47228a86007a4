//! HAProxy in TCP mode in front of posternd with the PROXY protocol (v2 `send-proxy-v2`
//! and v1 `send-proxy`): the gateway sees and logs the device's own address, not the
//! balancer's; a connection from elsewhere, or from the balancer without a header, is
//! refused and logged (F5: bounded, defensive parsing of network input).

mod common;

use common::Daemon;
use common::haproxy::{Frontend, Haproxy};
use common::proxy::{
    ALLOWED_QUERY, activesync_from, apptunnel_section, backend, certificate, common_name_only_device, device_pki,
    metrics_with, port_from, through_tunnel_from, write_config,
};

/// The balancer's own address towards the gateway, and the devices' addresses.
const BALANCER: &str = "127.0.0.2";
const DEVICE_V2: &str = "127.0.0.77";
const DEVICE_V1: &str = "127.0.0.78";

#[test]
fn the_gateway_sees_the_device_address_through_haproxy_and_refuses_connections_without_a_header() {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    let config = dir.path().join("initial.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    let text =
        text.replacen("[activesync]\n", &format!("[activesync]\nproxy_protocol_from = [\"{BALANCER}/32\"]\n"), 1);
    std::fs::write(&config, text).expect("config");
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"]);
    let gateway = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let metrics = port_from(&daemon.line_with("metrics listening"));
    assert!(daemon.line_with("ActiveSync proxy listening").contains("proxy_protocol=true"));

    let (v2, v1) = (Frontend::bind(), Frontend::bind());
    let haproxy_config = format!(
        "defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n\
         frontend devices_v2\n  bind {}\n  default_backend gateway_v2\n\
         frontend devices_v1\n  bind {}\n  default_backend gateway_v1\n\
         backend gateway_v2\n  server g1 127.0.0.1:{gateway} send-proxy-v2 source {BALANCER}\n\
         backend gateway_v1\n  server g1 127.0.0.1:{gateway} send-proxy source {BALANCER}\n",
        v2.bind_arg(),
        v1.bind_arg()
    );
    let haproxy = Haproxy::start(dir.path(), &haproxy_config, vec![v2, v1]);
    let (v2_port, v1_port) = (haproxy.ports[0], haproxy.ports[1]);

    for (device, port) in [(DEVICE_V2, v2_port), (DEVICE_V1, v1_port)] {
        let (status, all) = activesync_from(dir.path(), device, port, ALLOWED_QUERY);
        assert!(status.contains("200"), "through haproxy from {device}: {all}\nhaproxy: {}", haproxy.log());
        let access = daemon.wait_for(&format!("peer={device}"));
        assert!(access.contains("ActiveSync request") && access.contains("device=ApplA1B2C3D4E5F6"), "{access}");
    }
    // No request was logged as the balancer's (an address without a port: access lines).
    assert!(
        daemon.seen_position(&format!("peer={BALANCER} ")).is_none(),
        "a request was logged with the balancer's address"
    );

    // Straight to the gateway from a source that is not the balancer: closed at accept.
    let (status, _) = activesync_from(dir.path(), "127.0.0.1", gateway, ALLOWED_QUERY);
    assert!(status.is_empty(), "a direct connection was served: {status}");
    let refused = daemon.wait_for("not a configured balancer refused");
    assert!(refused.contains("peer=127.0.0.1:"), "{refused}");
    // From the balancer's address but without a header: the TLS ClientHello is no header.
    let (status, _) = activesync_from(dir.path(), BALANCER, gateway, ALLOWED_QUERY);
    assert!(status.is_empty(), "a connection without a header was served: {status}");
    let refused = daemon.wait_for("PROXY protocol connection refused");
    assert!(refused.contains("no PROXY protocol header"), "{refused}");

    let wanted = [
        "postern_proxy_proxy_protocol_refused_total{reason=\"source\"} 1",
        "postern_proxy_proxy_protocol_refused_total{reason=\"header\"} 1",
        "postern_activesync_requests_total{outcome=\"done\"} 2",
    ];
    let body = metrics_with(metrics, &wanted);
    for line in wanted {
        assert!(body.lines().any(|l| l == line), "{line} missing:\n{body}");
    }
}

#[test]
fn app_tunnels_through_haproxy_are_seen_from_the_device_address() {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    device_pki(dir.path(), &["uem-0001"]);
    common_name_only_device(dir.path(), "uem-0001");
    let back = backend(dir.path());
    let section = apptunnel_section(dir.path(), back.port).replacen(
        "[apptunnel]\n",
        &format!("[apptunnel]\nproxy_protocol_from = [\"{BALANCER}/32\"]\n"),
        1,
    );
    write_config(dir.path(), back.port, &section);
    let mut daemon = Daemon::start(dir.path(), &["--apptunnel-listen", "127.0.0.1:0"]);
    let listening = daemon.line_with("AppTunnel listening");
    assert!(listening.contains("proxy_protocol=true"), "{listening}");
    let gateway = port_from(&listening);
    let frontend = Frontend::bind();
    let haproxy_config = format!(
        "defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n\
         frontend apps\n  bind {}\n  default_backend gateway\n\
         backend gateway\n  server g1 127.0.0.1:{gateway} send-proxy-v2 source {BALANCER}\n",
        frontend.bind_arg()
    );
    let haproxy = Haproxy::start(dir.path(), &haproxy_config, vec![frontend]);
    let url = format!("http://127.0.0.1:{}/tunnelled", back.port);
    let (status, body) = through_tunnel_from(dir.path(), DEVICE_V2, haproxy.ports[0], "uem-0001", &url, true);
    assert_eq!(status, "200", "{body}\nhaproxy: {}", haproxy.log());
    // A certificate without a device URI is refused, and the refusal names the device's
    // address, not the balancer's.
    let (status, _) = through_tunnel_from(dir.path(), DEVICE_V1, haproxy.ports[0], "cn-uem-0001", &url, true);
    assert_eq!(status, "403");
    let refused = daemon.wait_for("has no device identity");
    assert!(refused.contains(&format!("client={DEVICE_V1}:")), "{refused}");
    // Straight to the listener, not from the balancer: closed before TLS.
    let (status, _) = through_tunnel_from(dir.path(), "127.0.0.1", gateway, "uem-0001", &url, true);
    assert_ne!(status, "200");
    daemon.wait_for("not a configured balancer refused");
}
