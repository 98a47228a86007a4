//! `[tls] min_version` has its effect on the wire: with "1.3" a TLS 1.2 client is refused
//! in the handshake and a TLS 1.3 client is served; by default both are (F5: TLS 1.2+).

mod common;

use common::Daemon;
use common::proxy::{ALLOWED_QUERY, activesync, backend, certificate, port_from, write_config};
use std::path::Path;
use std::process::{Command, Stdio};

/// Whether `openssl s_client` with `version` (`-tls1_2`, `-tls1_3`) completes a handshake
/// with the proxy; and what it printed.
fn handshake(dir: &Path, port: u16, version: &str) -> (bool, String) {
    let out = Command::new("timeout")
        .args(["15", "openssl", "s_client", version, "-brief", "-connect", &format!("127.0.0.1:{port}"), "-CAfile"])
        .arg(dir.join("cert.pem"))
        .stdin(Stdio::null())
        .output()
        .expect("openssl runs");
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (all.contains("CONNECTION ESTABLISHED"), all)
}

fn gateway(tls_extra: &str) -> (tempfile::TempDir, Daemon, u16, common::proxy::Backend) {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    let back = backend(dir.path());
    write_config(dir.path(), back.port, tls_extra);
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0"]);
    let port = port_from(&daemon.line_with("ActiveSync proxy listening"));
    (dir, daemon, port, back)
}

#[test]
fn by_default_tls_1_2_and_1_3_are_both_served() {
    let (dir, _daemon, port, _back) = gateway("");
    for version in ["-tls1_2", "-tls1_3"] {
        let (established, all) = handshake(dir.path(), port, version);
        assert!(established, "{version}: {all}");
    }
}

#[test]
fn min_version_1_3_refuses_a_tls_1_2_client_and_serves_1_3() {
    let (dir, _daemon, port, _back) = gateway("min_version = \"1.3\"\n");
    let (established, all) = handshake(dir.path(), port, "-tls1_2");
    assert!(!established, "a TLS 1.2 client must be refused: {all}");
    assert!(all.contains("alert protocol version") || all.contains("protocol version"), "{all}");
    let (established, all) = handshake(dir.path(), port, "-tls1_3");
    assert!(established, "{all}");
    let (status, all) = activesync(dir.path(), port, ALLOWED_QUERY);
    assert!(status.contains("200"), "curl speaks TLS 1.3 and is served: {all}");
}
