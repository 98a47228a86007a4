//! The serial console: the CLI on a terminal device in raw mode, or on stdin/stdout.
//!
//! Whoever is at the console has physical access, so the console's session is an administrator's.
//! When a session ends (`exit`), a new one starts, as a getty would.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::os::fd::AsFd;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use std::sync::Arc;

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use tokio::sync::watch;

use crate::crlf::Crlf;
use crate::error::TransportError;
use crate::raw_mode::RawMode;
use crate::session::{Flow, Output, Peer, Privilege, Session, SessionFactory, TransportKind};

/// Where the console is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SerialConfig {
    /// A terminal device such as `/dev/ttyS0`, put in raw mode while served.
    Device(PathBuf),
    /// The process's stdin and stdout, untouched (for tests and foreground runs).
    Stdio,
}

/// The console user's name in logs and prompts.
pub const CONSOLE_USER: &str = "console";

const POLL_MS: u16 = 200;

/// Why the console stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Stopped,
    EndOfInput,
}

/// An opened console, ready to serve.
pub(crate) enum Console {
    /// A terminal in raw mode (restored when dropped).
    Device(RawMode),
    /// A duplicate of stdin; output goes to stdout.
    Stdio(File),
}

impl Console {
    /// Opens the console (and puts a device in raw mode), so a bad device fails at start.
    pub(crate) fn open(config: &SerialConfig) -> Result<Self, TransportError> {
        match config {
            SerialConfig::Device(path) => {
                let tty = OpenOptions::new()
                    .read(true)
                    .write(true)
                    .custom_flags(nix::libc::O_NOCTTY)
                    .open(path)
                    .map_err(|e| TransportError::io("opening console", path, e))?;
                Ok(Console::Device(RawMode::enter(tty, path)?))
            }
            SerialConfig::Stdio => std::io::stdin()
                .as_fd()
                .try_clone_to_owned()
                .map(|fd| Console::Stdio(File::from(fd)))
                .map_err(|e| TransportError::io("opening console", "stdin", e)),
        }
    }

    /// Serves sessions until `stop` turns true or the input ends. Blocking: run it on its own thread.
    pub(crate) fn run(
        self,
        factory: Arc<dyn SessionFactory>,
        stop: watch::Receiver<bool>,
    ) -> Result<(), TransportError> {
        let peer =
            Peer { user: CONSOLE_USER.into(), privilege: Privilege::Administrator, transport: TransportKind::Serial };
        let (end, path) = match &self {
            Console::Device(raw) => {
                let output = raw.tty().try_clone().map_err(|e| TransportError::io("opening console", raw.path(), e))?;
                (serve(raw.tty(), output, Some(Crlf::default()), &*factory, &peer, &stop), raw.path())
            }
            Console::Stdio(input) => {
                (serve(input, std::io::stdout(), None, &*factory, &peer, &stop), Path::new("stdin"))
            }
        };
        match end {
            Ok(end) => {
                tracing::info!(console = %path.display(), reason = ?end, "serial console stopped");
                Ok(())
            }
            Err(e) => Err(TransportError::io("serving console", path, e)),
        }
    }
}

/// Runs sessions over `input`/`output` one after another.
fn serve(
    mut input: &File,
    output: impl Write,
    crlf: Option<Crlf>,
    factory: &dyn SessionFactory,
    peer: &Peer,
    stop: &watch::Receiver<bool>,
) -> std::io::Result<End> {
    let mut buf = [0u8; 1024];
    let mut out = ConsoleOutput { output, crlf, error: None };
    let mut carried: Vec<u8> = Vec::new();
    loop {
        let mut session = factory.interactive(peer);
        session.start(&mut out);
        tracing::info!(user = %peer.user, "console session started");
        // Bytes typed after the one that ended the last session belong to this one.
        let mut rest = feed_bytewise(&mut *session, &carried, &mut out);
        out.check()?;
        while rest.is_none() {
            if *stop.borrow() {
                return Ok(End::Stopped);
            }
            if !readable(input)? {
                continue;
            }
            let n = match input.read(&mut buf) {
                Ok(0) => return Ok(End::EndOfInput),
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                // A terminal whose other side hung up reads as EIO.
                Err(e) if e.raw_os_error() == Some(nix::libc::EIO) => return Ok(End::EndOfInput),
                Err(e) => return Err(e),
            };
            rest = feed_bytewise(&mut *session, buf.get(..n).unwrap_or_default(), &mut out);
            out.check()?;
        }
        tracing::info!(user = %peer.user, "console session ended");
        carried = rest.unwrap_or_default();
    }
}

/// The console's output: each write goes to the terminal at once, with `\r\n` line ends
/// where the terminal needs them; the first error is kept for the loop to see.
struct ConsoleOutput<W: Write> {
    output: W,
    crlf: Option<Crlf>,
    error: Option<std::io::Error>,
}

impl<W: Write> Output for ConsoleOutput<W> {
    fn write(&mut self, bytes: &[u8]) {
        if self.error.is_some() || bytes.is_empty() {
            return;
        }
        let written = match self.crlf.as_mut() {
            Some(crlf) => {
                let mut converted = Vec::with_capacity(bytes.len());
                crlf.convert(bytes, &mut converted);
                self.output.write_all(&converted)
            }
            None => self.output.write_all(bytes),
        };
        if let Err(error) = written.and_then(|()| self.output.flush()) {
            self.error = Some(error);
        }
    }
}

impl<W: Write> ConsoleOutput<W> {
    /// The first write error since the last check.
    fn check(&mut self) -> std::io::Result<()> {
        self.error.take().map_or(Ok(()), Err)
    }
}

/// Feeds `input` one byte at a time (console input is slow), so that the bytes after the one
/// that ends the session are not lost; returns them if the session ended.
fn feed_bytewise(session: &mut dyn Session, input: &[u8], out: &mut dyn Output) -> Option<Vec<u8>> {
    let ended = input.iter().position(|byte| session.feed(std::slice::from_ref(byte), out) == Flow::End)?;
    Some(input.get(ended + 1..).unwrap_or_default().to_vec())
}

/// Waits up to [`POLL_MS`] for input (or a hang-up, which the next read reports).
fn readable(input: &File) -> std::io::Result<bool> {
    let mut fds = [PollFd::new(input.as_fd(), PollFlags::POLLIN)];
    match poll(&mut fds, PollTimeout::from(POLL_MS)) {
        Ok(n) => Ok(n > 0),
        Err(nix::errno::Errno::EINTR) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
#[path = "serial_tests.rs"]
mod tests;
