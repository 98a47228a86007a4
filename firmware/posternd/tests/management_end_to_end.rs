//! posternd takes the management plane's addresses from the configuration: SSH and
//! metrics listen on the configured management address only, metrics answer only the
//! allowed sources, and without a management address neither starts.

mod common;

use common::{Daemon, cli, keygen, text};
use std::net::{TcpListener, TcpStream};
use std::process::Command;

/// A port the system has just handed out (the configuration cannot say "port 0").
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// curl from `source`; returns the HTTP status ("000" when the connection was closed).
fn curl(source: &str, url: &str) -> (String, String) {
    let out = Command::new("curl")
        .args(["-s", "-m", "5", "--interface", source, "-w", "\n%{http_code}", url])
        .output()
        .expect("curl runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", &text));
    (code.to_owned(), body.to_owned())
}

#[test]
fn ssh_and_metrics_listen_on_the_configured_management_address_only() {
    let dir = tempfile::tempdir().expect("temp dir");
    let admin = keygen(dir.path(), "admin");
    let (ssh_port, metrics_port) = (free_port(), free_port());
    let initial = format!(
        "{}\n[management]\naddress = \"127.0.0.1\"\nssh_port = {ssh_port}\nmetrics_port = {metrics_port}\nmetrics_allowed = [\"127.0.0.1/32\"]\n\n\
         [[users]]\nname = \"admin\"\nprivilege = \"administrator\"\nssh_keys = [\"{admin}\"]\n",
        postern_config::DEMO_TOML
    );
    std::fs::write(dir.path().join("initial.toml"), initial).expect("write config");
    let mut daemon = Daemon::start_configured(dir.path(), &[]);
    assert_eq!(daemon.ssh_port(), ssh_port, "SSH on the configured port");
    daemon.line_with("metrics listening");

    let out = Command::new("ssh")
        .args([
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "BatchMode=yes",
            "-o",
            "LogLevel=ERROR",
        ])
        .arg("-i")
        .arg(dir.path().join("admin"))
        .args(["-p", &ssh_port.to_string(), "admin@127.0.0.1", "show management"])
        .output()
        .expect("ssh runs");
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(
        shown.contains(&format!(
            "Now: SSH 127.0.0.1:{ssh_port}, metrics 127.0.0.1:{metrics_port} (allowed from 127.0.0.1/32)"
        )),
        "{shown}"
    );
    assert!(shown.contains("from management address"), "{shown}");

    // Bound to the management address, not every address: 127.0.0.2 is loopback too.
    assert!(TcpStream::connect(("127.0.0.2", ssh_port)).is_err(), "SSH must not listen on 127.0.0.2");
    assert!(TcpStream::connect(("127.0.0.2", metrics_port)).is_err(), "metrics must not listen on 127.0.0.2");

    let url = format!("http://127.0.0.1:{metrics_port}/metrics");
    let (code, _) = curl("127.0.0.2", &url);
    assert_eq!(code, "000", "a source outside 127.0.0.1/32 is closed at accept");
    let (code, body) = curl("127.0.0.1", &url);
    assert_eq!(code, "200");
    assert!(body.contains("postern_management_connections_refused_total{reason=\"source\"} 1"), "{body}");
    // The interfaces' kernel counters, under each interface's name (loopback left out).
    assert!(body.contains("# TYPE postern_interface_rx_errors_total counter"), "{body}");
    for link in std::fs::read_dir("/sys/class/net").expect("interfaces").flatten() {
        let name = link.file_name().to_string_lossy().into_owned();
        let sample = format!("postern_interface_rx_bytes_total{{interface=\"{name}\"}} ");
        assert_eq!(body.contains(&sample), name != "lo", "{name}: {body}");
    }
}

#[test]
fn without_a_management_address_neither_ssh_nor_metrics_starts() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("initial.toml"), postern_config::DEMO_TOML).expect("write config");
    let mut daemon = Daemon::start_configured(dir.path(), &[]);
    let warning = daemon.line_with("no management address");
    assert!(warning.contains("no interface is configured"), "{warning}");
    assert_eq!(daemon.seen_position("SSH CLI listening"), None);
    assert_eq!(daemon.seen_position("metrics listening"), None);

    let out = cli(dir.path(), "show management");
    let shown = text(&out);
    assert!(shown.contains("Now: SSH not listening, metrics not listening"), "{shown}");
    assert!(shown.contains("no interface is configured"), "{shown}");
    assert!(shown.contains("Configured: SSH and metrics not started"), "{shown}");

    let out = cli(
        dir.path(),
        "configure terminal; interface eth0; ip address 192.0.2.10/24; exit; management metrics-allow 10.0.0.0/8; commit; show running-config; end; show management",
    );
    let shown = text(&out);
    assert!(out.status.success(), "{shown}");
    assert!(shown.contains("Applies at the next `reload`: interface eth0, management metrics-allow"), "{shown}");
    assert!(shown.contains("management metrics-allow 10.0.0.0/8"), "{shown}");
    assert!(shown.contains("SSH on 192.0.2.10:22, metrics on 192.0.2.10:9100 (from the only configured interface, eth0), metrics allowed from 10.0.0.0/8"), "{shown}");
}
