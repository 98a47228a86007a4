//! Settings that a commit puts into effect in the running proxies, without a restart and
//! without dropping unrelated live connections: `tls min-version`, the ActiveSync back
//! end, AppTunnel services and the AppTunnel client CA. Each is observed from outside,
//! with an AppTunnel tunnel held open across the commit.

mod common;

use common::proxy::{
    ALLOWED_QUERY, activesync, apptunnel_section, backend, backend_log, certificate, device_pki, port_from,
    through_tunnel, write_config,
};
use common::{Daemon, cli, text};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long a committed setting may take to reach the proxies (it is applied right after
/// the commit returns; the margin is for a loaded machine).
const APPLIED_WITHIN: Duration = Duration::from_secs(5);

/// A CONNECT tunnel held open through `openssl s_client`, a device's certificate in hand.
struct OpenTunnel {
    child: Child,
    stdin: ChildStdin,
    /// Bytes from the tunnel as they arrive; an empty chunk when it closed.
    chunks: Receiver<Vec<u8>>,
    seen: String,
}

impl Drop for OpenTunnel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OpenTunnel {
    /// Opens a tunnel to `target` as `device` (whose certificate is in `dir`).
    fn open(dir: &Path, port: u16, device: &str, target: &str) -> Self {
        let mut child = Command::new("openssl")
            .args(["s_client", "-quiet", "-connect", &format!("127.0.0.1:{port}"), "-CAfile"])
            .arg(dir.join("cert.pem"))
            .arg("-cert")
            .arg(dir.join(format!("{device}.pem")))
            .arg("-key")
            .arg(dir.join(format!("{device}-key.pem")))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl runs");
        let stdin = child.stdin.take().expect("stdin");
        let mut stdout = child.stdout.take().expect("stdout");
        let (tx, chunks) = channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                let n = stdout.read(&mut buf).unwrap_or(0);
                if tx.send(buf[..n].to_vec()).is_err() || n == 0 {
                    return;
                }
            }
        });
        let mut tunnel = Self { child, stdin, chunks, seen: String::new() };
        tunnel.send(&format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nX-Postern-App: com.example.crm\r\n\r\n"));
        assert!(tunnel.wait_for("\r\n\r\n"), "no answer to CONNECT: {}", tunnel.seen);
        assert!(tunnel.seen.starts_with("HTTP/1.1 200"), "CONNECT refused: {}", tunnel.seen);
        tunnel.seen.clear();
        tunnel
    }

    fn send(&mut self, text: &str) {
        self.stdin.write_all(text.as_bytes()).and_then(|()| self.stdin.flush()).expect("write to the tunnel");
    }

    /// Reads until `needle` has arrived (true), or the tunnel closed or the deadline passed.
    fn wait_for(&mut self, needle: &str) -> bool {
        let deadline = Instant::now() + common::DEADLINE;
        while !self.seen.contains(needle) {
            match self.chunks.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(chunk) if !chunk.is_empty() => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(_) | Err(RecvTimeoutError::Disconnected | RecvTimeoutError::Timeout) => return false,
            }
        }
        true
    }

    /// A request through the tunnel to the test back end; whether its answer arrived.
    fn get(&mut self, path: &str) -> bool {
        self.seen.clear();
        self.send(&format!("GET {path} HTTP/1.1\r\nHost: backend\r\n\r\n"));
        self.wait_for(&format!("backend saw the request GET {path} "))
    }

    /// Whether the tunnel closes within the deadline (everything else read is dropped).
    fn closes(&mut self) -> bool {
        let deadline = Instant::now() + common::DEADLINE;
        loop {
            match self.chunks.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(chunk) if !chunk.is_empty() => continue,
                Ok(_) | Err(RecvTimeoutError::Disconnected) => return true,
                Err(RecvTimeoutError::Timeout) => return false,
            }
        }
    }
}

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

/// Polls `check` until it holds or [`APPLIED_WITHIN`] passes; how long it took.
fn within(mut check: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    loop {
        if check() {
            return Some(start.elapsed());
        }
        if start.elapsed() > APPLIED_WITHIN {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A gateway with both proxies, the device PKI of `uem-0001` (allowed by the demo UEM)
/// and the `crm` service on the test back end.
struct Gateway {
    dir: tempfile::TempDir,
    _daemon: Daemon,
    activesync: u16,
    apptunnel: u16,
    back: common::proxy::Backend,
}

fn gateway() -> Gateway {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    device_pki(dir.path(), &["uem-0001"]);
    let back = backend(dir.path());
    write_config(dir.path(), back.port, &apptunnel_section(dir.path(), back.port));
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0", "--apptunnel-listen", "127.0.0.1:0"]);
    let activesync = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let apptunnel = port_from(&daemon.line_with("AppTunnel listening"));
    Gateway { dir, _daemon: daemon, activesync, apptunnel, back }
}

fn commit(dir: &Path, lines: &str) {
    let out = cli(dir, &format!("configure terminal\n{lines}\ncommit\n"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("Applies at the next"), "the commit names a setting as waiting: {}", text(&out));
    let pending = text(&cli(dir, "show configuration pending-reload"));
    assert!(pending.contains("Every committed setting is in effect"), "{pending}");
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
