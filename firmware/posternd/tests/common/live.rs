//! A gateway with both proxies for the tests of settings applied at commit: an AppTunnel
//! tunnel held open across a commit, and polling for an effect.

use super::proxy::{apptunnel_section, backend, certificate, device_pki, port_from, write_config};
use super::{Daemon, cli, text};
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

/// How long a committed setting may take to reach the proxies (it is applied right after
/// the commit returns; the margin is for a loaded machine).
pub const APPLIED_WITHIN: Duration = Duration::from_secs(5);

/// A CONNECT tunnel held open through `openssl s_client`, a device's certificate in hand.
pub struct OpenTunnel {
    child: Child,
    stdin: ChildStdin,
    /// Bytes from the tunnel as they arrive; an empty chunk when it closed.
    chunks: Receiver<Vec<u8>>,
    pub seen: String,
}

impl Drop for OpenTunnel {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OpenTunnel {
    /// Opens a tunnel to `target` as `device` (whose certificate is in `dir`).
    pub fn open(dir: &Path, port: u16, device: &str, target: &str) -> Self {
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

    pub fn send(&mut self, text: &str) {
        self.stdin.write_all(text.as_bytes()).and_then(|()| self.stdin.flush()).expect("write to the tunnel");
    }

    /// Reads until `needle` has arrived (true), or the tunnel closed or the deadline passed.
    pub fn wait_for(&mut self, needle: &str) -> bool {
        let deadline = Instant::now() + super::DEADLINE;
        while !self.seen.contains(needle) {
            match self.chunks.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(chunk) if !chunk.is_empty() => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(_) | Err(RecvTimeoutError::Disconnected | RecvTimeoutError::Timeout) => return false,
            }
        }
        true
    }

    /// A request through the tunnel to the test back end; whether its answer arrived.
    pub fn get(&mut self, path: &str) -> bool {
        self.seen.clear();
        self.send(&format!("GET {path} HTTP/1.1\r\nHost: backend\r\n\r\n"));
        self.wait_for(&format!("backend saw the request GET {path} "))
    }

    /// Whether the tunnel closes within the deadline (everything else read is dropped).
    pub fn closes(&mut self) -> bool {
        let deadline = Instant::now() + super::DEADLINE;
        loop {
            match self.chunks.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(chunk) if !chunk.is_empty() => continue,
                Ok(_) | Err(RecvTimeoutError::Disconnected) => return true,
                Err(RecvTimeoutError::Timeout) => return false,
            }
        }
    }
}

/// Polls `check` until it holds or [`APPLIED_WITHIN`] passes; how long after the call the
/// check that held began (so a slow check on a loaded machine does not count).
pub fn within(mut check: impl FnMut() -> bool) -> Option<Duration> {
    let start = Instant::now();
    loop {
        let began = start.elapsed();
        if check() {
            return Some(began);
        }
        if start.elapsed() > APPLIED_WITHIN {
            return None;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Asserts that `check` holds for a check begun within a second (`what` says what it
/// shows).
pub fn within_a_second(what: &str, check: impl FnMut() -> bool) {
    match within(check) {
        Some(began) => assert!(began < Duration::from_secs(1), "{what}: only after {began:?}"),
        None => panic!("{what}: not within {APPLIED_WITHIN:?}"),
    }
}

/// A gateway with both proxies, the device PKI of `uem-0001` (allowed by the demo UEM)
/// and the `crm` service on the test back end.
pub struct Gateway {
    pub dir: tempfile::TempDir,
    pub daemon: Daemon,
    pub activesync: u16,
    pub apptunnel: u16,
    pub back: super::proxy::Backend,
}

pub fn gateway() -> Gateway {
    let dir = tempfile::tempdir().expect("temp dir");
    certificate(dir.path());
    device_pki(dir.path(), &["uem-0001"]);
    let back = backend(dir.path());
    write_config(dir.path(), back.port, &apptunnel_section(dir.path(), back.port));
    let mut daemon = Daemon::start(dir.path(), &["--listen", "127.0.0.1:0", "--apptunnel-listen", "127.0.0.1:0"]);
    let activesync = port_from(&daemon.line_with("ActiveSync proxy listening"));
    let apptunnel = port_from(&daemon.line_with("AppTunnel listening"));
    Gateway { dir, daemon, activesync, apptunnel, back }
}

/// Commits `lines` (CONFIG-mode commands, one a line); the commit names nothing as waiting
/// for `reload`.
pub fn commit_now(dir: &Path, lines: &str) {
    let out = cli(dir, &format!("configure terminal\n{lines}\ncommit\n"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(!text(&out).contains("Applies at the next"), "the commit names a setting as waiting: {}", text(&out));
}

/// `show configuration pending-reload` names nothing.
pub fn all_in_effect(dir: &Path) {
    let pending = text(&cli(dir, "show configuration pending-reload"));
    assert!(pending.contains("Every committed setting is in effect"), "{pending}");
}

/// [`commit_now`], then [`all_in_effect`].
pub fn commit(dir: &Path, lines: &str) {
    commit_now(dir, lines);
    all_in_effect(dir);
}
