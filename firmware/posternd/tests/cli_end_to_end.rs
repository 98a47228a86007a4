//! posternd as a real process: the CLI over the local socket (the `postern` client), over
//! SSH (the OpenSSH client) and on the console, with configuration that survives a restart.

mod common;

use common::{DEADLINE, Daemon, cli, keygen, text};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::mpsc;
use std::time::{Duration, Instant};

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
    let pinned = text(&cli(dir.path(), "show blocks"));
    assert!(pinned.contains("device ApplA1B2C3D4E5F6") && pinned.contains("operator"), "{pinned}");
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

/// Polls `capture` until the screen contains `needle`.
fn wait_screen(capture: impl Fn() -> String, needle: &str) -> String {
    let start = Instant::now();
    loop {
        let screen = capture();
        if screen.contains(needle) || start.elapsed() > DEADLINE {
            return screen;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn an_interactive_ssh_login_has_help_completion_and_modes() {
    let dir = setup();
    let daemon = Daemon::start(dir.path(), &[]);
    let port = daemon.ssh_port();
    let sock = dir.path().join("tmux.sock");
    let tmux = |args: &[&str]| Command::new("tmux").arg("-S").arg(&sock).args(args).output().expect("tmux runs");
    let ssh_cmd = format!(
        "ssh -tt -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -i {} -p {port} admin@127.0.0.1",
        dir.path().join("admin").display()
    );
    let started = tmux(&["new-session", "-d", "-s", "cli", "-x", "160", "-y", "50", &ssh_cmd]);
    assert!(started.status.success(), "{}", text(&started));
    let screen =
        || String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "cli", "-S", "-100"]).stdout).into_owned();
    let shown = wait_screen(screen, "postern-demo>");
    assert!(shown.contains("postern-demo>"), "no prompt:\n{shown}");
    tmux(&["send-keys", "-t", "cli", "ena", "Enter"]);
    assert!(wait_screen(screen, "postern-demo#").contains("postern-demo#"));
    // `?` after a space lists what may follow with its help, without running anything;
    // right after letters it lists the words that complete them.
    tmux(&["send-keys", "-t", "cli", "show ?"]);
    let shown = wait_screen(screen, "Devices and tunnels in the device cache");
    assert!(shown.contains("Devices and tunnels in the device cache"), "help missing:\n{shown}");
    tmux(&["send-keys", "-t", "cli", "C-u", "show ver?"]);
    let shown = wait_screen(screen, "show ver?\nversion");
    assert!(shown.contains("\nversion"), "completions missing:\n{shown}");
    tmux(&["send-keys", "-t", "cli", "C-u"]);
    // Tab completes a unique prefix.
    tmux(&["send-keys", "-t", "cli", "conf", "Tab", " t", "Enter"]);
    let shown = wait_screen(screen, "postern-demo(config)#");
    assert!(shown.contains("configure"), "no completion:\n{shown}");
    assert!(shown.contains("postern-demo(config)#"), "not in config mode:\n{shown}");
    // `do` runs an EXEC command from CONFIG mode; output filters narrow any `show`.
    tmux(&["send-keys", "-t", "cli", "do show running-config | include ^gateway-id", "Enter"]);
    let shown = wait_screen(screen, "\ngateway-id postern-1");
    assert!(shown.contains("\ngateway-id postern-1"), "do and include:\n{shown}");
    assert!(!shown.contains("\nhostname postern-demo"), "include left other lines in:\n{shown}");
    tmux(&["send-keys", "-t", "cli", "do show running-config | include ^hostname | count", "Enter"]);
    let shown = wait_screen(screen, "Count: 1 line\n");
    assert!(shown.contains("Count: 1 line\n"), "count:\n{shown}");
    tmux(&["send-keys", "-t", "cli", "hostname bad_name!", "Enter"]);
    tmux(&["send-keys", "-t", "cli", "commit", "Enter"]);
    let shown = wait_screen(screen, "gateway.hostname");
    assert!(shown.contains("gateway.hostname"), "commit must name the setting:\n{shown}");
    tmux(&["send-keys", "-t", "cli", "C-z"]);
    tmux(&["send-keys", "-t", "cli", "exit", "Enter"]);
    tmux(&["kill-server"]);
}

#[test]
fn the_serial_console_works_through_a_pty() {
    use nix::pty::openpty;
    use std::io::Read;
    let dir = setup();
    let pty = openpty(None, None).expect("pty");
    let slave = nix::unistd::ttyname(&pty.slave).expect("slave name");
    let slave_arg = slave.to_string_lossy().into_owned();
    let _daemon = Daemon::start(dir.path(), &["--serial", &slave_arg]);
    let mut master = std::fs::File::from(pty.master);
    let mut reader = master.try_clone().expect("clone");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 4096];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 || tx.send(String::from_utf8_lossy(&buf[..n]).into_owned()).is_err() {
                break;
            }
        }
    });
    master.write_all(b"\renable\rsh ver\r").expect("type");
    let start = Instant::now();
    let mut seen = String::new();
    while start.elapsed() < DEADLINE && !seen.contains("Postern gateway software") {
        if let Ok(chunk) = rx.recv_timeout(Duration::from_millis(200)) {
            seen.push_str(&chunk);
        }
    }
    assert!(seen.contains("Postern gateway software"), "console output:\n{seen}");
    assert!(seen.contains("\r\n"), "the console writes CR LF");
}

#[test]
fn factory_reset_asks_for_confirm_then_leaves_the_request_for_init_and_reloads() {
    let dir = setup();
    let mut daemon = Daemon::start(dir.path(), &[]);
    let request = dir.path().join("state/factory-reset");
    let out = cli(dir.path(), "factory-reset");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("factory-reset confirm"), "{}", text(&out));
    assert!(!request.exists(), "without confirm nothing is requested");
    let out = cli(dir.path(), "factory-reset confirm");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(text(&out).contains("Factory reset requested"), "{}", text(&out));
    assert!(request.exists(), "the request is where init looks for it");
    daemon.line_with("posternd stopping reload=true");
}
