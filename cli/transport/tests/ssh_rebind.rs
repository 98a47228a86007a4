//! A commit that moves the management address moves the SSH server to the new socket: new
//! logins go there, the old port refuses, and a session opened before keeps working.

mod common;

use common::fixture::SshFixture;
use common::{TestResult, VERSION_LINE, ssh, stdout};
use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::sync::mpsc;
use std::time::Duration;

#[test]
fn moving_the_listener_keeps_open_sessions_and_serves_new_ones_on_the_new_port() -> TestResult {
    let f = SshFixture::start()?;
    // A session without a terminal, opened before the move: lines in, answers out.
    let mut open = ssh(&f.alice, f.port, "alice").arg("-T").stdin(Stdio::piped()).stdout(Stdio::piped()).spawn()?;
    let (tx, lines) = mpsc::channel();
    let out = open.stdout.take().ok_or("stdout")?;
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut input = open.stdin.take().ok_or("stdin")?;
    let answered = |lines: &mpsc::Receiver<String>| {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(VERSION_LINE) => return true,
                Ok(_) => {}
                Err(_) => return false,
            }
        }
        false
    };
    writeln!(input, "show version")?;
    assert!(answered(&lines), "the session answers before the move");

    let rebind = f.server.ssh_rebind().ok_or("SSH runs")?;
    let moved = std::net::TcpListener::bind("127.0.0.1:0")?;
    let new_port = moved.local_addr()?.port();
    let addr = f.server.block_on(async move { rebind.listen_on(moved) })?;
    assert_eq!(addr.port(), new_port);

    let out = ssh(&f.alice, new_port, "alice").arg("show version").output()?;
    assert_eq!(stdout(&out), format!("{VERSION_LINE}\n"), "a new login on the new port");
    assert!(
        common::wait_until(Duration::from_secs(5), || std::net::TcpStream::connect(("127.0.0.1", f.port)).is_err()),
        "the old port no longer accepts"
    );
    writeln!(input, "show version")?;
    assert!(answered(&lines), "the session opened before the move still answers");

    f.server.ssh_rebind().ok_or("SSH runs")?.stop_listening();
    assert!(
        common::wait_until(Duration::from_secs(5), || std::net::TcpStream::connect(("127.0.0.1", new_port)).is_err()),
        "no port accepts once SSH stops listening"
    );
    writeln!(input, "show version")?;
    assert!(answered(&lines), "the session still answers");
    drop(input);
    let _ = open.wait();
    f.server.shutdown()
}
