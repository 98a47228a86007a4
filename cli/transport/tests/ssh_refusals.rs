//! Everything but the CLI is refused: forwarding, subsystems; connections and logins are bounded.

mod common;

use std::io::{ErrorKind, Read};
use std::net::{TcpListener, TcpStream};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::fixture::SshFixture;
use common::{TestResult, ssh, stderr, stdout, wait_until};

#[test]
fn the_sftp_subsystem_is_refused() -> TestResult {
    let f = SshFixture::start()?;
    let out = ssh(&f.alice, f.port, "alice").args(["-s", "sftp"]).stdin(Stdio::null()).output()?;
    assert_ne!(out.status.code(), Some(0));
    assert!(stderr(&out).contains("subsystem request failed"), "{}", stderr(&out));
    f.server.shutdown()
}

#[test]
fn remote_port_forwarding_is_refused() -> TestResult {
    let f = SshFixture::start()?;
    let out = ssh(&f.alice, f.port, "alice")
        .args(["-N", "-o", "ExitOnForwardFailure=yes", "-R", "127.0.0.1:0:127.0.0.1:9"])
        .output()?;
    assert_eq!(out.status.code(), Some(255));
    assert!(stderr(&out).contains("forwarding failed"), "{}", stderr(&out));
    f.server.shutdown()
}

#[test]
fn local_port_forwarding_never_reaches_the_target() -> TestResult {
    let f = SshFixture::start()?;
    let target = TcpListener::bind("127.0.0.1:0")?;
    target.set_nonblocking(true)?;
    let local_port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let forward = format!("127.0.0.1:{local_port}:127.0.0.1:{}", target.local_addr()?.port());
    let mut client = ssh(&f.alice, f.port, "alice").args(["-N", "-L", &forward]).stderr(Stdio::piped()).spawn()?;
    let listening = wait_until(Duration::from_secs(10), || TcpStream::connect(("127.0.0.1", local_port)).is_ok());
    let mut through = TcpStream::connect(("127.0.0.1", local_port));
    let mut byte = [0u8; 1];
    let read = through.as_mut().map(|s| {
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        s.read(&mut byte)
    });
    let _ = client.kill();
    let out = client.wait_with_output()?;
    assert!(listening, "ssh -L never listened: {}", stderr(&out));
    assert!(matches!(read, Ok(Ok(0))), "the forwarded connection is closed at once: {read:?}");
    assert!(stderr(&out).contains("administratively prohibited"), "{}", stderr(&out));
    assert_eq!(target.accept().map_err(|e| e.kind()).err(), Some(ErrorKind::WouldBlock), "target untouched");
    f.server.shutdown()
}

#[test]
fn agent_and_x11_forwarding_requests_do_not_stop_the_cli() -> TestResult {
    let f = SshFixture::start()?;
    let out = ssh(&f.alice, f.port, "alice")
        .args(["-A", "-X", "-o", "SetEnv=LC_POSTERN=1", "-o", "ForwardX11Trusted=no"])
        .env("DISPLAY", ":99")
        .env("SSH_AUTH_SOCK", f.dir.path().join("agent.sock"))
        .arg("show version")
        .output()?;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), format!("{}\n", common::VERSION_LINE));
    f.server.shutdown()
}

/// Reads until EOF or error; returns how long it took, or None if the server kept it open.
fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = Instant::now();
    let _ = stream.set_read_timeout(Some(limit));
    let mut buf = [0u8; 256];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return Some(started.elapsed()),
            Ok(_) => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock || e.kind() == ErrorKind::TimedOut => {
                return None;
            }
            Err(_) => return Some(started.elapsed()),
        }
    }
}

#[test]
fn a_silent_client_is_dropped_at_the_login_timeout() -> TestResult {
    let f = SshFixture::start_with(|c| c.login_timeout = Duration::from_secs(1))?;
    let mut silent = TcpStream::connect(("127.0.0.1", f.port))?;
    let took = closed_within(&mut silent, Duration::from_secs(10));
    assert!(took.is_some_and(|t| t >= Duration::from_millis(900)), "closed after {took:?}");
    f.server.shutdown()
}

#[test]
fn connections_beyond_the_limit_are_closed_at_once() -> TestResult {
    let f = SshFixture::start_with(|c| c.max_connections = 1)?;
    let mut first = TcpStream::connect(("127.0.0.1", f.port))?;
    first.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut banner = [0u8; 7];
    first.read_exact(&mut banner)?;
    assert_eq!(&banner, b"SSH-2.0");
    let mut second = TcpStream::connect(("127.0.0.1", f.port))?;
    let took = closed_within(&mut second, Duration::from_secs(3));
    assert!(took.is_some(), "the second connection stayed open");
    drop(first);
    assert!(
        wait_until(Duration::from_secs(5), || ssh(&f.alice, f.port, "alice")
            .arg("show version")
            .output()
            .is_ok_and(|o| o.status.success())),
        "a slot frees up when the first connection goes"
    );
    f.server.shutdown()
}
