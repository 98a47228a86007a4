//! Per-source limits before a login, with the real OpenSSH client: one source that holds
//! connections open or fails its logins is shut out, and an administrator from another
//! source still logs in.

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::time::Duration;

use common::fixture::SshFixture;
use common::{TestResult, VERSION_LINE, ssh, stderr, stdout, wait_until};
use postern_cli_transport::SourceLimitsConfig;

/// Connects from 127.0.0.1 and reads the server's first bytes: `Some(banner)` when the
/// connection was admitted, `None` when it was closed before a byte was sent.
fn banner(port: u16) -> Result<(TcpStream, Option<String>), Box<dyn std::error::Error>> {
    let mut stream = TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut buf = [0u8; 64];
    let n = stream.read(&mut buf)?;
    let text = (n > 0).then(|| String::from_utf8_lossy(&buf[..n]).into_owned());
    Ok((stream, text))
}

#[test]
fn one_source_holding_unauthenticated_connections_does_not_lock_out_another() -> TestResult {
    let f = SshFixture::start_with(|c| {
        c.source_limits = SourceLimitsConfig { max_unauthenticated: 3, ..SourceLimitsConfig::default() };
    })?;
    let mut held = Vec::new();
    for i in 0..3 {
        let (stream, text) = banner(f.port)?;
        assert!(text.as_deref().is_some_and(|t| t.starts_with("SSH-2.0-")), "connection {i} is admitted: {text:?}");
        held.push(stream);
    }
    let (_refused, text) = banner(f.port)?;
    assert_eq!(text, None, "a fourth unauthenticated connection from 127.0.0.1 is closed at once");

    another_source_logs_in(&f)?;

    drop(held);
    let freed = wait_until(Duration::from_secs(10), || banner(f.port).is_ok_and(|(_, text)| text.is_some()));
    assert!(freed, "closing the held connections gives 127.0.0.1 its slots back");
    f.server.shutdown()
}

#[test]
fn a_source_that_fails_too_often_is_shut_out_while_another_logs_in() -> TestResult {
    let f = SshFixture::start_with(|c| {
        c.source_limits = SourceLimitsConfig { max_failures: 3, ..SourceLimitsConfig::default() };
    })?;
    for i in 0..3 {
        let out = ssh(&f.mallory, f.port, "alice").args(["-b", "127.0.0.1", "show version"]).output()?;
        assert_eq!(out.status.code(), Some(255), "attempt {i}");
        assert!(stderr(&out).contains("Permission denied"), "attempt {i}: {}", stderr(&out));
    }
    // Even the right key is now refused from 127.0.0.1: the connection is closed at once.
    let out = ssh(&f.alice, f.port, "alice").args(["-b", "127.0.0.1", "show version"]).output()?;
    assert_eq!(out.status.code(), Some(255), "blocked source: {}", stdout(&out));
    assert!(!stderr(&out).contains("Permission denied"), "closed before any login: {}", stderr(&out));
    assert!(stdout(&out).is_empty());

    another_source_logs_in(&f)?;
    f.server.shutdown()
}

/// alice logs in from 127.0.0.2, whatever 127.0.0.1 did.
fn another_source_logs_in(f: &SshFixture) -> TestResult {
    let out = ssh(&f.alice, f.port, "alice").args(["-b", "127.0.0.2", "show version"]).output()?;
    assert_eq!(out.status.code(), Some(0), "from 127.0.0.2: {}", stderr(&out));
    assert_eq!(stdout(&out), format!("{VERSION_LINE}\n"));
    Ok(())
}
