//! The serial console driven through a pseudo-terminal pair.

mod common;

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::AsFd;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::pty::openpty;
use nix::sys::termios::{LocalFlags, tcgetattr};
use nix::unistd::ttyname;
use postern_cli_transport::{SerialConfig, ServerConfig};

use common::{TestResult, TestServer, ToyFactory, VERSION_LINE};

/// Reads from the pty master until `text` has appeared `count` times or 10 s pass.
fn read_until(master: &mut File, seen: &mut String, text: &str, count: usize) -> bool {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut buf = [0u8; 512];
    while seen.matches(text).count() < count && Instant::now() < deadline {
        let ready = poll(&mut [PollFd::new(master.as_fd(), PollFlags::POLLIN)], PollTimeout::from(100u16));
        if ready.is_ok_and(|n| n > 0) {
            match master.read(&mut buf) {
                Ok(n) => seen.push_str(&String::from_utf8_lossy(buf.get(..n).unwrap_or_default())),
                Err(_) => return false,
            }
        }
    }
    seen.matches(text).count() >= count
}

#[test]
fn the_console_runs_the_cli_in_raw_mode_and_restores_the_terminal() -> TestResult {
    let pty = openpty(None, None)?;
    let slave_path: PathBuf = ttyname(&pty.slave)?;
    let before = tcgetattr(&pty.slave)?;
    assert!(before.local_flags.contains(LocalFlags::ECHO | LocalFlags::ICANON), "a fresh pty is cooked");
    let mut master = File::from(pty.master);

    let config = ServerConfig { serial: Some(SerialConfig::Device(slave_path)), ..ServerConfig::default() };
    let server = TestServer::start(config, ToyFactory { keys: Vec::new() })?;
    let mut seen = String::new();
    assert!(read_until(&mut master, &mut seen, "console# ", 1), "no prompt: {seen:?}");
    let during = tcgetattr(&pty.slave)?;
    assert!(!during.local_flags.intersects(LocalFlags::ECHO | LocalFlags::ICANON | LocalFlags::ISIG));

    master.write_all(b"show version\r")?;
    assert!(read_until(&mut master, &mut seen, "console# ", 2), "no second prompt: {seen:?}");
    assert_eq!(seen.matches("show version").count(), 1, "echoed once, by the CLI only: {seen:?}");
    assert!(seen.ends_with(&format!("console# show version\r\n{VERSION_LINE}\r\nconsole# ")), "{seen:?}");

    master.write_all(b"whoami\r")?;
    assert!(read_until(&mut master, &mut seen, "console administrator Serial\r\n", 1), "{seen:?}");

    // Ctrl-C is a byte for the CLI, not a signal; `exit` starts a fresh session, as a getty would.
    master.write_all(b"\x03\r")?;
    assert!(read_until(&mut master, &mut seen, "echo: \u{3}\r\n", 1), "Ctrl-C reaches the CLI: {seen:?}");
    master.write_all(b"exit\r")?;
    assert!(read_until(&mut master, &mut seen, "Welcome console", 2), "no new session: {seen:?}");

    server.shutdown()?;
    let after = tcgetattr(&pty.slave)?;
    assert_eq!(after.local_flags, before.local_flags);
    assert_eq!(after.input_flags, before.input_flags);
    assert_eq!(after.output_flags, before.output_flags);
    Ok(())
}

#[test]
fn a_missing_device_or_a_non_terminal_fails_the_start() -> TestResult {
    let dir = tempfile::tempdir()?;
    let plain = dir.path().join("plain-file");
    std::fs::write(&plain, b"")?;
    for (device, expected) in [(dir.path().join("ttyNONE"), "opening console"), (plain, "reading settings")] {
        let config = ServerConfig { serial: Some(SerialConfig::Device(device)), ..ServerConfig::default() };
        let started = TestServer::start(config, ToyFactory { keys: Vec::new() });
        let message = started.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains(expected), "{message}");
    }
    Ok(())
}

#[test]
fn more_consoles_each_get_a_session_and_a_missing_one_is_left_out() -> TestResult {
    let (serial, screen) = (openpty(None, None)?, openpty(None, None)?);
    let config = ServerConfig {
        serial: Some(SerialConfig::Device(ttyname(&serial.slave)?)),
        more_consoles: vec![
            SerialConfig::Device(ttyname(&screen.slave)?),
            SerialConfig::Device(PathBuf::from("/dev/ttyNONE-postern")),
        ],
        ..ServerConfig::default()
    };
    let server = TestServer::start(config, ToyFactory { keys: Vec::new() })?;
    let (mut serial_master, mut screen_master) = (File::from(serial.master), File::from(screen.master));
    for master in [&mut serial_master, &mut screen_master] {
        let mut seen = String::new();
        assert!(read_until(master, &mut seen, "console# ", 1), "no prompt: {seen:?}");
        master.write_all(b"show version\r")?;
        assert!(read_until(master, &mut seen, "console# ", 2), "no answer: {seen:?}");
        assert!(seen.contains(VERSION_LINE), "{seen:?}");
    }
    server.shutdown()?;
    Ok(())
}
