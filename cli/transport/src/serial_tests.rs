//! The console loop over a pipe, as in stdin/stdout mode.

use std::fs::File;
use std::io::Write;

use super::*;
use crate::session::{AuthorisedKey, OneShot, Output, Session};

/// Prompts `> `, answers `got LINE`, ends on `exit`.
struct LineSession(Vec<u8>);

impl Session for LineSession {
    fn start(&mut self, out: &mut dyn Output) {
        out.write(b"hello\n> ");
    }

    fn feed(&mut self, input: &[u8], out: &mut dyn Output) -> Flow {
        for &b in input {
            if b != b'\n' {
                self.0.push(b);
                continue;
            }
            let line = String::from_utf8_lossy(&self.0).into_owned();
            self.0.clear();
            if line == "exit" {
                return Flow::End;
            }
            out.write(format!("got {line}\n> ").as_bytes());
        }
        Flow::Continue
    }
}

struct Factory;

impl SessionFactory for Factory {
    fn interactive(&self, _peer: &Peer) -> Box<dyn Session> {
        Box::new(LineSession(Vec::new()))
    }
    fn one_shot(&self, _peer: &Peer, _lines: &str) -> OneShot {
        OneShot { output: String::new(), success: false }
    }
    fn authorised_keys(&self) -> Vec<AuthorisedKey> {
        Vec::new()
    }
}

fn pipe() -> Result<(File, File), Box<dyn std::error::Error>> {
    let (read, write) = nix::unistd::pipe()?;
    Ok((File::from(read), File::from(write)))
}

fn peer() -> Peer {
    Peer { user: CONSOLE_USER.into(), privilege: Privilege::Administrator, transport: TransportKind::Serial }
}

#[test]
fn sessions_restart_after_exit_and_the_loop_ends_with_the_input() -> Result<(), Box<dyn std::error::Error>> {
    let (input, mut writer) = pipe()?;
    writer.write_all(b"show version\nexit\nagain\n")?;
    drop(writer);
    let (_stop_tx, stop) = watch::channel(false);
    let mut output = Vec::new();
    let end = serve(&input, &mut output, None, &Factory, &peer(), &stop)?;
    assert_eq!(end, End::EndOfInput);
    assert_eq!(String::from_utf8(output)?, "hello\n> got show version\n> hello\n> got again\n> ");
    Ok(())
}

#[test]
fn a_terminal_gets_crlf_and_a_stop_ends_the_loop() -> Result<(), Box<dyn std::error::Error>> {
    let (input, _writer) = pipe()?;
    let (_stop_tx, stop) = watch::channel(true);
    let mut output = Vec::new();
    let end = serve(&input, &mut output, Some(Crlf::default()), &Factory, &peer(), &stop)?;
    assert_eq!(end, End::Stopped);
    assert_eq!(output, b"hello\r\n> ");
    Ok(())
}
