//! Shared by the end-to-end tests: a posternd process, the `postern` client, SSH keys.
#![allow(dead_code, unreachable_pub)]

pub mod agent_data;
pub mod agent_net;
pub mod federation;
pub mod haproxy;
pub mod live;
pub mod portal;
pub mod posture;
pub mod proxy;
pub mod saml;
pub mod uem;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const DEADLINE: Duration = Duration::from_secs(30);

/// A running posternd whose log lines are collected; killed when dropped.
pub struct Daemon {
    pub child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Daemon {
    pub fn start(dir: &Path, extra: &[&str]) -> Self {
        Self::start_with(dir, &["--ssh-listen", "127.0.0.1:0"], extra)
    }

    /// Starts posternd without `--ssh-listen`: SSH and metrics listen where the
    /// configuration says.
    pub fn start_configured(dir: &Path, extra: &[&str]) -> Self {
        Self::start_with(dir, &[], extra)
    }

    /// Starts posternd in a mount namespace of its own whose `/etc/hosts` is this
    /// machine's plus `hosts` (lines `ADDRESS NAME`), so the system resolver gives the
    /// daemon, and only it, those names. Needs root (as the tests run).
    pub fn start_with_hosts(dir: &Path, hosts: &str, extra: &[&str]) -> Self {
        let file = dir.join("hosts");
        let system = std::fs::read_to_string("/etc/hosts").unwrap_or_default();
        std::fs::write(&file, format!("{system}\n{hosts}\n")).expect("hosts file");
        let mut command = Command::new("unshare");
        command
            .args(["--mount", "sh", "-c", "mount --bind \"$0\" /etc/hosts && exec \"$@\""])
            .arg(file)
            .arg(env!("CARGO_BIN_EXE_posternd"));
        Self::spawn(command, dir, &["--ssh-listen", "127.0.0.1:0"], extra)
    }

    /// [`Daemon::start`] inside the network namespace `netns` (made by the test with `ip
    /// netns add`): `ip netns exec` enters it and runs posternd in its place, so `child` is
    /// posternd. Needs root.
    pub fn start_in_netns(dir: &Path, netns: &str, extra: &[&str]) -> Self {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", netns]).arg(env!("CARGO_BIN_EXE_posternd"));
        Self::spawn(command, dir, &["--ssh-listen", "127.0.0.1:0"], extra)
    }

    /// [`Daemon::start`] with extra environment variables (the tests' overrides).
    pub fn start_env(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Self {
        let mut command = Command::new(env!("CARGO_BIN_EXE_posternd"));
        command.envs(env.iter().copied());
        Self::spawn(command, dir, &["--ssh-listen", "127.0.0.1:0"], extra)
    }

    fn start_with(dir: &Path, listen: &[&str], extra: &[&str]) -> Self {
        Self::spawn(Command::new(env!("CARGO_BIN_EXE_posternd")), dir, listen, extra)
    }

    fn spawn(mut command: Command, dir: &Path, listen: &[&str], extra: &[&str]) -> Self {
        let mut child = command
            .arg("--state-dir")
            .arg(dir.join("state"))
            .arg("--device-cache")
            .arg(dir.join("cache"))
            .arg("--socket")
            .arg(dir.join("cli.sock"))
            .args(["--initial-config"])
            .arg(dir.join("initial.toml"))
            .args(listen)
            .args(extra)
            .env("RUST_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("posternd starts");
        let stderr = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let mut daemon = Daemon { child, lines, seen: Vec::new() };
        daemon.wait_for("posternd ready");
        daemon
    }

    /// Waits for a log line containing `needle` and returns it.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let start = Instant::now();
        while start.elapsed() < DEADLINE {
            match self.lines.recv_timeout(Duration::from_millis(200)) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if line.contains(needle) {
                        return line;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        panic!("no log line with {needle:?}; log so far:\n{}", self.seen.join("\n"));
    }

    /// A log line containing `needle`, already seen or still to come.
    pub fn line_with(&mut self, needle: &str) -> String {
        match self.seen.iter().find(|l| l.contains(needle)) {
            Some(line) => line.clone(),
            None => self.wait_for(needle),
        }
    }

    /// Whether a line containing `needle` has been logged by now, without waiting.
    pub fn logged(&mut self, needle: &str) -> bool {
        while let Ok(line) = self.lines.try_recv() {
            self.seen.push(line);
        }
        self.seen.iter().any(|l| l.contains(needle))
    }

    /// The index of the first line seen so far that contains `needle`.
    pub fn seen_position(&self, needle: &str) -> Option<usize> {
        self.seen.iter().position(|l| l.contains(needle))
    }

    /// The index of the first line seen so far, from `from` on, that contains `needle`.
    pub fn seen_position_after(&self, needle: &str, from: usize) -> Option<usize> {
        self.seen.iter().skip(from).position(|l| l.contains(needle)).map(|i| i + from)
    }

    /// Line `at` of those seen so far.
    pub fn seen_line(&self, at: usize) -> &str {
        &self.seen[at]
    }

    pub fn ssh_port(&self) -> u16 {
        let line = self.seen.iter().find(|l| l.contains("SSH CLI listening")).expect("ssh listening line");
        let addr = line.split("addr=").nth(1).and_then(|s| s.split_whitespace().next()).expect("addr field");
        addr.rsplit(':').next().and_then(|p| p.parse().ok()).expect("port")
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `postern` client, built beside posternd by `cargo test --workspace` / `cargo build`.
pub fn postern_client() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_posternd")).with_file_name("postern");
    assert!(path.is_file(), "{} is missing: build the workspace's binaries first (cargo build --bins)", path.display());
    path
}

pub fn cli(dir: &Path, script: &str) -> Output {
    Command::new(postern_client())
        .arg("--socket")
        .arg(dir.join("cli.sock"))
        .arg("-c")
        .arg(script)
        .output()
        .expect("postern runs")
}

pub fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

pub fn keygen(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
    std::fs::read_to_string(path.with_extension("pub")).expect("public key").trim().to_owned()
}

/// A port free now on every address, for a configuration to name (when the setting under
/// test is the port, or a restart must find the service where it was). It is taken below
/// the kernel's ephemeral range, so that no outgoing connection of a parallel test takes
/// it before posternd binds it.
pub fn free_configured_port() -> u16 {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let low: u32 = range.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or(32768);
    let span = low.saturating_sub(20_000).max(1);
    let seed = std::process::id().wrapping_mul(7919)
        ^ std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
    (0..1000u32)
        .map(|i| 20_000 + (seed.wrapping_add(i.wrapping_mul(104_729))) % span)
        .filter_map(|p| u16::try_from(p).ok())
        .find(|p| std::net::TcpListener::bind(("0.0.0.0", *p)).is_ok())
        .expect("a free port below the ephemeral range")
}

/// The `postern-agent` binary beside posternd.
pub fn agent_binary() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_posternd")).with_file_name("postern-agent");
    assert!(path.is_file(), "{} is missing: build the workspace's binaries first (cargo build --bins)", path.display());
    path
}
