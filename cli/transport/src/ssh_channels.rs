//! The session channels of one SSH connection: a pty flag, then either an interactive CLI
//! (`shell`) or one run of CLI lines (`exec`), each channel serving one of them once.

use std::collections::HashMap;

use russh::ChannelId;
use russh::server::Session as SshSession;

use crate::crlf::Crlf;
use crate::session::{Flow, OneShot, Peer, Session, SessionFactory};

/// What one session channel is doing.
#[derive(Default)]
struct ChannelState {
    pty: bool,
    crlf: Crlf,
    /// The interactive session once `shell` was accepted.
    cli: Option<Box<dyn Session>>,
    /// True once `shell` or `exec` was accepted.
    used: bool,
}

/// The open session channels, at most `max` at once.
pub(crate) struct Channels {
    max: usize,
    open: HashMap<ChannelId, ChannelState>,
}

type Sent = Result<(), russh::Error>;

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
        ssh: &mut SshSession,
    ) -> Result<bool, russh::Error> {
        let Some(state) = self.fresh(id) else {
            ssh.channel_failure(id)?;
            return Ok(false);
        };
        let mut cli = factory.interactive(peer);
        let mut out = Vec::new();
        cli.start(&mut out);
        ssh.channel_success(id)?;
        state.used = true;
        state.cli = Some(cli);
        send(state, id, &out, ssh)?;
        Ok(true)
    }

    /// Runs `command` as CLI lines (never through a shell), sends the output and the exit status,
    /// and closes the channel. Returns the result, or `None` if refused.
    pub(crate) fn exec(
        &mut self,
        id: ChannelId,
        factory: &dyn SessionFactory,
        peer: &Peer,
        command: &[u8],
        ssh: &mut SshSession,
    ) -> Result<Option<bool>, russh::Error> {
        let Some(state) = self.fresh(id) else {
            ssh.channel_failure(id)?;
            return Ok(None);
        };
        ssh.channel_success(id)?;
        state.used = true;
        let result = match std::str::from_utf8(command) {
            Ok(lines) => factory.one_shot(peer, lines),
            Err(_) => OneShot { output: "% command is not valid UTF-8\n".into(), success: false },
        };
        send(state, id, result.output.as_bytes(), ssh)?;
        self.finish(id, u32::from(!result.success), ssh)?;
        Ok(Some(result.success))
    }

    /// Feeds client bytes to the channel's interactive session; closes the channel when it ends.
    pub(crate) fn data(&mut self, id: ChannelId, data: &[u8], ssh: &mut SshSession) -> Result<Flow, russh::Error> {
        let Some(state) = self.open.get_mut(&id) else {
            return Ok(Flow::Continue);
        };
        let Some(cli) = state.cli.as_mut() else {
            return Ok(Flow::Continue);
        };
        let mut out = Vec::new();
        let flow = cli.feed(data, &mut out);
        send(state, id, &out, ssh)?;
        if flow == Flow::End {
            self.finish(id, 0, ssh)?;
        }
        Ok(flow)
    }

    /// The client will send no more input: an interactive session ends.
    pub(crate) fn eof(&mut self, id: ChannelId, ssh: &mut SshSession) -> Sent {
        if self.open.get(&id).is_some_and(|s| s.cli.is_some()) {
            self.finish(id, 0, ssh)?;
        }
        Ok(())
    }

    fn finish(&mut self, id: ChannelId, status: u32, ssh: &mut SshSession) -> Sent {
        self.open.remove(&id);
        ssh.exit_status_request(id, status)?;
        ssh.eof(id)?;
        ssh.close(id)
    }
}

/// Sends `bytes` on the channel, with `\r\n` line endings if the client asked for a pty.
fn send(state: &mut ChannelState, id: ChannelId, bytes: &[u8], ssh: &mut SshSession) -> Sent {
    if bytes.is_empty() {
        return Ok(());
    }
    let data = if state.pty {
        let mut converted = Vec::with_capacity(bytes.len() + bytes.len() / 8);
        state.crlf.convert(bytes, &mut converted);
        converted
    } else {
        bytes.to_vec()
    };
    ssh.data(id, data)
}
