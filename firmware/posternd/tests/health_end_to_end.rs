//! Health for load balancers: `GET /health` on the management listener and on the
//! ActiveSync listener reads 200 while serving and 503 from the start of a graceful
//! shutdown; HAProxy's checks (over the PROXY protocol and TLS, as the devices' traffic)
//! take the gateway out before its listeners stop accepting (`gateway.shutdown_notice_secs`).

mod common;

use common::haproxy::{Frontend, Haproxy};
use common::proxy::{ALLOWED_QUERY, activesync_from, backend, certificate, port_from, write_config};
use common::{DEADLINE, Daemon};
use std::process::Command;
use std::time::{Duration, Instant};

const BALANCER: &str = "127.0.0.2";
const NOTICE_SECS: u64 = 4;

fn get(url: &str, extra: &[&str]) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "-k", "--max-time", "5", "-w", "\n%{http_code}"])
        .args(extra)
        .arg(url)
        .output()
        .expect("curl runs");
    let all = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = all.rsplit_once('\n').unwrap_or(("", &all));
    (code.to_owned(), body.to_owned())
}

fn until(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn haproxy_takes_the_gateway_out_before_it_stops_accepting() {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, "");
    let config = dir.path().join("initial.toml");
    let text = std::fs::read_to_string(&config).expect("config");
    let text =
        text.replacen("[activesync]\n", &format!("[activesync]\nproxy_protocol_from = [\"{BALANCER}/32\"]\n"), 1);
    let text = text.replacen("[gateway]\n", &format!("[gateway]\nshutdown_notice_secs = {NOTICE_SECS}\n"), 1);
    std::fs::write(&config, text).expect("config");
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0"]);
    let gateway = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let metrics = port_from(&daemon.line_with("metrics listening"));
    let management_health = format!("http://127.0.0.1:{metrics}/health");
    let data_health = format!("https://127.0.0.1:{gateway}/health");
    let over_proxy_protocol = ["--interface", BALANCER, "--haproxy-protocol"];
    assert_eq!(get(&management_health, &[]), ("200".into(), "serving\n".into()));
    assert_eq!(get(&data_health, &over_proxy_protocol), ("200".into(), "serving\n".into()));

    let frontend = Frontend::bind();
    let haproxy_config = format!(
        "defaults\n  mode tcp\n  timeout connect 2s\n  timeout client 30s\n  timeout server 30s\n  timeout check 2s\n\
         frontend devices\n  bind {}\n  default_backend gateways\n\
         backend gateways\n  option httpchk GET /health\n\
         \x20 server g1 127.0.0.1:{gateway} send-proxy-v2 source {BALANCER} check check-ssl verify none inter 300ms fall 2 rise 2\n",
        frontend.bind_arg()
    );
    let haproxy = Haproxy::start(dir.path(), &haproxy_config, vec![frontend]);
    let port = haproxy.ports[0];
    until("a request through haproxy", || {
        activesync_from(dir.path(), "127.0.0.1", port, ALLOWED_QUERY).0.contains("200")
    });

    nix::sys::signal::kill(nix::unistd::Pid::from_raw(daemon.child.id() as i32), nix::sys::signal::Signal::SIGTERM)
        .expect("SIGTERM");
    let stopping = Instant::now();
    daemon.wait_for("health withdrawn");
    assert_eq!(get(&management_health, &[]).0, "503");
    until("haproxy to mark the gateway down", || haproxy.log().contains("gateways/g1 is DOWN"));
    let down_after = stopping.elapsed();
    assert!(haproxy.log().contains("code: 503"), "{}", haproxy.log());
    // HAProxy sends no new connection to it now; the gateway itself still serves one.
    let (status, _) = activesync_from(dir.path(), "127.0.0.1", port, ALLOWED_QUERY);
    assert!(!status.contains("200"), "haproxy still sent a device to a withdrawn gateway: {status}");
    let (code, body) = get(
        &format!("https://127.0.0.1:{gateway}/Microsoft-Server-ActiveSync?{ALLOWED_QUERY}"),
        &[&over_proxy_protocol[..], &["-X", "POST", "--data", "x"]].concat(),
    );
    assert_eq!(code, "200", "the gateway stopped serving before its notice ended: {body}");
    assert!(
        stopping.elapsed() < Duration::from_secs(NOTICE_SECS),
        "the checks were too slow for this test: down after {down_after:?}"
    );
    daemon.wait_for("listener shut down");
    assert!(stopping.elapsed() >= Duration::from_secs(NOTICE_SECS), "the listener drained before the notice ended");
}
