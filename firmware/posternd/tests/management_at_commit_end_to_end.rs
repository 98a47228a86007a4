//! `management …` applies at commit: SSH and metrics move to the committed ports within a
//! second, the old ports refuse, an SSH session opened before the move keeps working, and
//! the metrics' allowed sources change for the next connection.

mod common;

use common::live::within_a_second;
use common::{Daemon, cli, keygen, text};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A port the system has just handed out (the configuration cannot say "port 0").
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// curl from `source`; the HTTP status ("000" when the connection was closed).
fn curl(source: &str, port: u16) -> String {
    let out = Command::new("curl")
        .args(["-s", "-o", "/dev/null", "-m", "5", "--interface", source, "-w", "%{http_code}"])
        .arg(format!("http://127.0.0.1:{port}/metrics"))
        .output()
        .expect("curl runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn ssh(dir: &std::path::Path, port: u16) -> Command {
    let mut command = Command::new("ssh");
    command
        .args(["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes"])
        .args(["-o", "LogLevel=ERROR", "-o", "ConnectTimeout=5", "-i"])
        .arg(dir.join("admin"))
        .args(["-p", &port.to_string(), "admin@127.0.0.1"]);
    command
}

fn refused(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_err()
}

#[test]
fn ssh_and_metrics_move_at_commit_and_an_open_session_goes_on() {
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
    daemon.line_with("metrics listening");

    // A session without a terminal, opened before the move.
    let mut open =
        ssh(dir.path(), ssh_port).arg("-T").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("ssh");
    let (tx, lines) = mpsc::channel();
    let out = open.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut input = open.stdin.take().expect("stdin");
    let answers = |lines: &mpsc::Receiver<String>, needle: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(needle) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    };
    writeln!(input, "show management").expect("typed");
    assert!(answers(&lines, &format!("Now: SSH 127.0.0.1:{ssh_port}")), "the session answers before the move");

    let (new_ssh, new_metrics) = (free_port(), free_port());
    let out = cli(
        dir.path(),
        &format!("configure terminal ; management ssh-port {new_ssh} ; management metrics-port {new_metrics} ; commit"),
    );
    assert!(out.status.success() && !text(&out).contains("Applies at the next"), "{}", text(&out));
    within_a_second("SSH moved within 1 s", || !refused(new_ssh) && refused(ssh_port));
    within_a_second("metrics moved within 1 s", || curl("127.0.0.1", new_metrics) == "200" && refused(metrics_port));

    let login = ssh(dir.path(), new_ssh).arg("show management").output().expect("ssh runs");
    let shown = text(&login);
    assert!(login.status.success(), "{shown}");
    assert!(shown.contains(&format!("Now: SSH 127.0.0.1:{new_ssh}, metrics 127.0.0.1:{new_metrics}")), "{shown}");
    writeln!(input, "show management").expect("typed");
    assert!(answers(&lines, &format!("Now: SSH 127.0.0.1:{new_ssh}")), "the session opened before the move goes on");

    assert_eq!(curl("127.0.0.2", new_metrics), "000", "127.0.0.2 is not allowed yet");
    let out = cli(dir.path(), "configure terminal ; management metrics-allow 127.0.0.2/32 ; commit");
    assert!(out.status.success(), "{}", text(&out));
    within_a_second("the new source is served within 1 s", || curl("127.0.0.2", new_metrics) == "200");
    let pending = text(&cli(dir.path(), "show configuration pending-reload"));
    assert!(pending.contains("Every committed setting is in effect"), "{pending}");
    drop(input);
    let _ = open.wait();
}
