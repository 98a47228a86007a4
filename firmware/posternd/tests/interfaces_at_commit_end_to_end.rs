//! `interface …` applies at commit (issue 15, F6): posternd runs unprivileged in a network
//! namespace of its own, and its privileged helper carries the committed change out over
//! netlink. An address added and removed shows in `ip addr` within a second while a TLS
//! connection on the unchanged address keeps working; a DHCP change, which cannot apply
//! live, is named by `show configuration pending-reload`. Needs root; skipped otherwise.

mod common;

use common::live::within_a_second;
use common::proxy::{certificate, port_from, write_config};
use common::{Daemon, cli, text};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Network namespaces made for one test, deleted when dropped.
struct Namespaces(Vec<String>);

impl Drop for Namespaces {
    fn drop(&mut self) {
        for name in &self.0 {
            let _ = Command::new("ip").args(["netns", "del", name]).status();
        }
    }
}

fn ip(args: &[&str]) -> String {
    let out = Command::new("ip").args(args).output().expect("ip runs");
    assert!(out.status.success(), "ip {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The gateway's namespace with `v0` at 10.77.0.1/24 (as init leaves it at boot), and a
/// peer namespace with `v1` at 10.77.0.9/24 on the same link.
fn link() -> (Namespaces, String, String) {
    let (gateway, peer) = (format!("pst-gw-{}", std::process::id()), format!("pst-peer-{}", std::process::id()));
    for name in [&gateway, &peer] {
        let _ = Command::new("ip").args(["netns", "del", name]).status();
        ip(&["netns", "add", name]);
    }
    let namespaces = Namespaces(vec![gateway.clone(), peer.clone()]);
    ip(&["-n", &gateway, "link", "add", "v0", "type", "veth", "peer", "name", "v1", "netns", &peer]);
    for (ns, dev, address) in [(&gateway, "v0", "10.77.0.1/24"), (&peer, "v1", "10.77.0.9/24")] {
        ip(&["-n", ns, "link", "set", "lo", "up"]);
        ip(&["-n", ns, "addr", "add", address, "dev", dev]);
        ip(&["-n", ns, "link", "set", dev, "up"]);
    }
    (namespaces, gateway, peer)
}

/// `openssl s_client` in the peer namespace, connected to the gateway; its output lines.
struct TlsClient {
    child: Child,
    lines: mpsc::Receiver<String>,
}

impl TlsClient {
    fn connect(peer: &str, port: u16) -> Self {
        let mut child = Command::new("ip")
            .args(["netns", "exec", peer, "openssl", "s_client", "-connect"])
            .arg(format!("10.77.0.1:{port}"))
            .args(["-servername", "localhost", "-ign_eof"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("openssl runs");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    fn wait_for(&self, needle: &str) -> bool {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            match self.lines.recv_timeout(Duration::from_millis(100)) {
                Ok(line) if line.contains(needle) => return true,
                Ok(_) | Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return false,
            }
        }
        false
    }
}

impl Drop for TlsClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn addresses(gateway: &str) -> String {
    ip(&["-n", gateway, "-o", "addr", "show", "dev", "v0"])
}

#[test]
fn an_address_added_and_removed_at_commit_keeps_a_connection_on_the_unchanged_address() {
    if !nix::unistd::geteuid().is_root() {
        eprintln!("skipped: network namespaces and dropping privileges need the test to run as root");
        return;
    }
    let Some(nobody) = nix::unistd::User::from_name("nobody").ok().flatten() else {
        eprintln!("skipped: no user named nobody");
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    certificate(dir.path());
    for secret in ["key.pem", "cert.pem"] {
        nix::unistd::chown(&dir.path().join(secret), Some(nobody.uid), Some(nobody.gid)).expect("chown");
    }
    write_config(dir.path(), 9, "\n[[interfaces]]\nname = \"v0\"\naddresses = [\"10.77.0.1/24\"]\n");
    for owned in ["state", "cache"] {
        std::fs::create_dir(dir.path().join(owned)).expect("mkdir");
        nix::unistd::chown(&dir.path().join(owned), Some(nobody.uid), Some(nobody.gid)).expect("chown");
    }
    let (_namespaces, gateway, peer) = link();
    let mut daemon = Daemon::start_in_netns(
        dir.path(),
        &gateway,
        &["--listen", "0.0.0.0:0", "--metrics-listen", "127.0.0.1:0", "--user", "nobody", "--manage-interfaces"],
    );
    daemon.line_with("privileged helper started");
    daemon.line_with("running unprivileged");
    let port = port_from(&daemon.line_with("ActiveSync proxy listening"));

    let mut client = TlsClient::connect(&peer, port);
    assert!(client.wait_for("SSL handshake has read"), "the TLS connection on 10.77.0.1 is up");

    let out = cli(dir.path(), "configure terminal ; interface v0 ; ip address 10.77.1.1/24 ; exit ; commit");
    assert!(out.status.success() && !text(&out).contains("Applies at the next"), "{}", text(&out));
    within_a_second("added within 1 s", || addresses(&gateway).contains("10.77.1.1/24"));
    assert!(addresses(&gateway).contains("10.77.0.1/24"), "the unchanged address stays");
    let pending = text(&cli(dir.path(), "show configuration pending-reload"));
    assert!(pending.contains("Every committed setting is in effect"), "{pending}");

    let out = cli(dir.path(), "configure terminal ; interface v0 ; no ip address 10.77.1.1/24 ; exit ; commit");
    assert!(out.status.success(), "{}", text(&out));
    within_a_second("removed within 1 s", || !addresses(&gateway).contains("10.77.1.1/24"));
    assert!(addresses(&gateway).contains("10.77.0.1/24"), "the unchanged address stays");

    // The connection opened before both commits still carries a request and its answer.
    let stdin = client.child.stdin.as_mut().expect("stdin");
    stdin
        .write_all(b"GET /Microsoft-Server-ActiveSync HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .expect("request written");
    stdin.flush().expect("flushed");
    assert!(client.wait_for("HTTP/1.1"), "the proxy answered on the connection kept open");

    // A DHCP client cannot start live (init runs it): the commit says so and names it.
    let out = cli(dir.path(), "configure terminal ; interface v0 ; ip address dhcp ; exit ; commit");
    assert!(text(&out).contains("Applies at the next"), "{}", text(&out));
    let pending = text(&cli(dir.path(), "show configuration pending-reload"));
    assert!(pending.contains("interface v0") && pending.contains("dhcp"), "{pending}");
    assert!(daemon.logged("interfaces applied at commit"), "the daemon logs each application");
}
