//! The session channels of one SSH connection: a pty flag, then either an interactive CLI
//! (`shell`) or one run of CLI lines (`exec`), each channel serving one of them once.
//!
//! The CLI runs on a thread of its own per channel, never on the runtime's: a long
//! command (`software install`) blocks nothing else, and what it prints goes to the client
//! as it is written.

use std::collections::HashMap;
use std::sync::Arc;

use russh::ChannelId;
use russh::server::{Handle, Session as SshSession};
use tokio::sync::mpsc;

use crate::crlf::Crlf;
use crate::session::{Flow, Output, Peer, Session, SessionFactory};

/// What one session channel is doing.
#[derive(Default)]
struct ChannelState {
    pty: bool,
    /// Input for the interactive session once `shell` was accepted; dropping it ends the
    /// session after the input already sent.
    input: Option<mpsc::UnboundedSender<Vec<u8>>>,
    /// True once `shell` or `exec` was accepted.
    used: bool,
}

/// The open session channels, at most `max` at once.
pub(crate) struct Channels {
    max: usize,
    open: HashMap<ChannelId, ChannelState>,
}

type Sent = Result<(), russh::Error>;

/// A channel's output: each write goes to the client at once (waiting while the
/// connection's window is full), with `\r\n` line ends if the client asked for a pty.
struct ChannelOutput {
    ssh: Handle,
    id: ChannelId,
    crlf: Option<Crlf>,
    runtime: tokio::runtime::Handle,
}

impl Output for ChannelOutput {
    fn write(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        let data = match &mut self.crlf {
            Some(crlf) => {
                let mut converted = Vec::with_capacity(bytes.len() + bytes.len() / 8);
                crlf.convert(bytes, &mut converted);
                converted
            }
            None => bytes.to_vec(),
        };
        // A client that went away is noticed by the SSH connection; nothing to do here.
        let _ = self.runtime.block_on(self.ssh.data(self.id, data));
    }
}

impl ChannelOutput {
    /// Sends the exit status and closes the channel.
    fn finish(&self, status: u32) {
        self.runtime.block_on(async {
            let _ = self.ssh.exit_status_request(self.id, status).await;
            let _ = self.ssh.eof(self.id).await;
            let _ = self.ssh.close(self.id).await;
        });
    }
}

impl Channels {
    pub(crate) fn new(max: usize) -> Self {
        Channels { max, open: HashMap::new() }
    }

    /// Records a new channel; false if the limit is reached.
    pub(crate) fn open(&mut self, id: ChannelId) -> bool {
        if self.open.len() >= self.max {
            return false;
        }
        self.open.insert(id, ChannelState::default());
        true
    }

    pub(crate) fn close(&mut self, id: ChannelId) {
        self.open.remove(&id);
    }

    /// The channel if it is open and has not yet served a shell or a command.
    fn fresh(&mut self, id: ChannelId) -> Option<&mut ChannelState> {
        self.open.get_mut(&id).filter(|s| !s.used)
    }

    /// Accepts a pty request on a fresh channel; output will then use `\r\n`.
    pub(crate) fn pty(&mut self, id: ChannelId, ssh: &mut SshSession) -> Sent {
        match self.fresh(id) {
            Some(state) => {
                state.pty = true;
                ssh.channel_success(id)
            }
            None => ssh.channel_failure(id),
        }
    }

    /// Starts an interactive session on a fresh channel; false if refused.
    pub(crate) fn shell(
        &mut self,
        id: ChannelId,
        factory: &dyn SessionFactory,
        peer: &Peer,
        addr: &str,
        ssh: &mut SshSession,
    ) -> Result<bool, russh::Error> {
        let Some(state) = self.fresh(id) else {
            ssh.channel_failure(id)?;
            return Ok(false);
        };
        let cli = factory.interactive(peer);
        ssh.channel_success(id)?;
        state.used = true;
        let (input, typed) = mpsc::unbounded_channel();
        state.input = Some(input);
        let out = output(ssh, id, state.pty);
        let (addr, user) = (addr.to_owned(), peer.user.clone());
        tokio::task::spawn_blocking(move || run_interactive(cli, typed, out, &addr, &user));
        Ok(true)
    }

    /// Runs `command` as CLI lines (never through a shell), streams the output, sends the
    /// exit status and closes the channel. Returns false if refused.
    pub(crate) fn exec(
        &mut self,
        id: ChannelId,
        factory: Arc<dyn SessionFactory>,
        peer: &Peer,
        addr: &str,
        command: &[u8],
        ssh: &mut SshSession,
    ) -> Result<bool, russh::Error> {
        let Some(state) = self.fresh(id) else {
            ssh.channel_failure(id)?;
            return Ok(false);
        };
        ssh.channel_success(id)?;
        state.used = true;
        let mut out = output(ssh, id, state.pty);
        let lines = std::str::from_utf8(command).map(str::to_owned);
        let (peer, addr) = (peer.clone(), addr.to_owned());
        tokio::task::spawn_blocking(move || {
            let success = match lines {
                Ok(lines) => factory.run_lines(&peer, &lines, &mut out),
                Err(_) => {
                    out.write(b"% command is not valid UTF-8\n");
                    false
                }
            };
            tracing::info!(peer = %addr, user = %peer.user, success, "ssh command run");
            out.finish(u32::from(!success));
        });
        Ok(true)
    }

    /// Passes client bytes to the channel's interactive session.
    pub(crate) fn data(&mut self, id: ChannelId, data: &[u8]) {
        if let Some(input) = self.open.get(&id).and_then(|s| s.input.as_ref()) {
            // The session has ended if nobody receives: its channel is being closed.
            let _ = input.send(data.to_vec());
        }
    }

    /// The client will send no more input: an interactive session ends once it has
    /// handled what came before.
    pub(crate) fn eof(&mut self, id: ChannelId) {
        if let Some(state) = self.open.get_mut(&id) {
            state.input = None;
        }
    }
}

fn output(ssh: &SshSession, id: ChannelId, pty: bool) -> ChannelOutput {
    ChannelOutput { ssh: ssh.handle(), id, crlf: pty.then(Crlf::default), runtime: tokio::runtime::Handle::current() }
}

/// An interactive session on its own thread: fed what the client types until it ends or
/// the client sends no more, then the channel is closed.
fn run_interactive(
    mut cli: Box<dyn Session>,
    mut typed: mpsc::UnboundedReceiver<Vec<u8>>,
    mut out: ChannelOutput,
    addr: &str,
    user: &str,
) {
    tracing::info!(peer = %addr, user, "ssh interactive session started");
    cli.start(&mut out);
    while let Some(bytes) = typed.blocking_recv() {
        if cli.feed(&bytes, &mut out) == Flow::End {
            break;
        }
    }
    tracing::info!(peer = %addr, user, "ssh interactive session ended");
    out.finish(0);
}
