//! posternd as a real process: the CLI over the local socket (the `postern` client), over
//! SSH (the OpenSSH client) and on the console, with configuration that survives a restart.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(30);

/// A running posternd whose log lines are collected; killed when dropped.
struct Daemon {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Daemon {
    fn start(dir: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_posternd"))
            .arg("--state-dir")
            .arg(dir.join("state"))
            .arg("--device-cache")
            .arg(dir.join("cache"))
            .arg("--socket")
            .arg(dir.join("cli.sock"))
            .args(["--initial-config"])
            .arg(dir.join("initial.toml"))
            .args(["--ssh-listen", "127.0.0.1:0"])
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
    fn wait_for(&mut self, needle: &str) -> String {
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

    fn ssh_port(&self) -> u16 {
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
fn postern_client() -> PathBuf {
    let path = Path::new(env!("CARGO_BIN_EXE_posternd")).with_file_name("postern");
    assert!(path.is_file(), "{} is missing: build the workspace's binaries first (cargo build --bins)", path.display());
    path
}

fn cli(dir: &Path, script: &str) -> Output {
    Command::new(postern_client()).arg("--socket").arg(dir.join("cli.sock")).arg("-c").arg(script).output().expect("postern runs")
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn keygen(dir: &Path, name: &str) -> String {
    let path = dir.join(name);
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", name, "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen runs");
    assert!(status.success());
    std::fs::read_to_string(path.with_extension("pub")).expect("public key").trim().to_owned()
}

/// A temp dir with an initial configuration: the demo plus an administrator and an operator.
fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let admin = keygen(dir.path(), "admin");
    let oper = keygen(dir.path(), "oper");
    let initial = format!(
        "{}\n[[users]]\nname = \"admin\"\nprivilege = \"administrator\"\nssh_keys = [\"{admin}\"]\n\n[[users]]\nname = \"oper\"\nprivilege = \"operator\"\nssh_keys = [\"{oper}\"]\n",
        postern_config::DEMO_TOML
    );
    std::fs::write(dir.path().join("initial.toml"), initial).expect("write config");
    dir
}

fn ssh(dir: &Path, port: u16, key: &str, command: &str) -> Output {
    Command::new("ssh")
        .args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR"])
        .arg("-i")
        .arg(dir.join(key))
        .args(["-p", &port.to_string()])
        .arg(format!("{key}@127.0.0.1"))
        .arg(command)
        .output()
        .expect("ssh runs")
}

#[test]
fn the_socket_client_runs_commands_and_reports_failure() {
    let dir = setup();
    let _daemon = Daemon::start(dir.path(), &[]);
    let out = cli(dir.path(), "show version");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Postern gateway software, version"), "{}", text(&out));
    let out = cli(dir.path(), "show bogus");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("Invalid input"), "{}", text(&out));
}

#[test]
fn configuration_and_device_cache_survive_a_restart() {
    let dir = setup();
    {
        let _daemon = Daemon::start(dir.path(), &[]);
        let out = cli(dir.path(), "configure terminal ; hostname edge7 ; commit");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let out = cli(dir.path(), "device-cache block ApplA1B2C3D4E5F6");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    }
    let _daemon = Daemon::start(dir.path(), &[]);
    let running = text(&cli(dir.path(), "show running-config"));
    assert!(running.contains("hostname edge7"), "{running}");
    let cached = text(&cli(dir.path(), "show device-cache ApplA1B2C3D4E5F6"));
    assert!(cached.contains("blocked") && cached.contains("operator"), "{cached}");
}

#[test]
fn ssh_logins_get_their_privilege_and_nothing_else() {
    let dir = setup();
    let daemon = Daemon::start(dir.path(), &[]);
    let port = daemon.ssh_port();
    let out = ssh(dir.path(), port, "admin", "show version");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Postern gateway software"), "{}", text(&out));
    let out = ssh(dir.path(), port, "admin", "configure terminal ; hostname viassh ; commit");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = ssh(dir.path(), port, "oper", "configure terminal ; hostname nope ; commit");
    assert_ne!(out.status.code(), Some(0), "an operator must not configure: {}", text(&out));
    let out = ssh(dir.path(), port, "oper", "show running-config");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("hostname viassh"), "{}", text(&out));
    // A key that is not configured is refused.
    keygen(dir.path(), "stranger");
    let out = ssh(dir.path(), port, "stranger", "show version");
    assert_eq!(out.status.code(), Some(255), "{}", text(&out));
}

#[test]
fn the_console_serves_the_cli_on_stdin_and_stdout() {
    let dir = setup();
    let mut daemon = Daemon::start(dir.path(), &["--console"]);
    let mut stdin = daemon.child.stdin.take().expect("stdin");
    let stdout = daemon.child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut reader = BufReader::new(stdout);
        let mut buf = Vec::new();
        while let Ok(n) = reader.read_until(b'\n', &mut buf) {
            if n == 0 || tx.send(String::from_utf8_lossy(&buf).into_owned()).is_err() {
                break;
            }
            buf.clear();
        }
    });
    stdin.write_all(b"enable\r\nshow version\r\n").expect("type");
    let start = Instant::now();
    let mut seen = String::new();
    while start.elapsed() < DEADLINE && !seen.contains("Postern gateway software") {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push_str(&line);
        }
    }
    assert!(seen.contains("Postern gateway software"), "console output:\n{seen}");
    assert!(seen.contains("postern-demo#"), "privileged prompt expected:\n{seen}");
}
