//! The per-connection SSH handler: public-key login, then the CLI on `shell` or `exec`; nothing else.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, PublicKeyOffer, Session as SshSession, VerifiedPublicKey};
use russh::{Channel, ChannelId, ChannelOpenFailure, Pty};

use crate::session::{Peer, SessionFactory, TransportKind};
use crate::ssh_auth::privilege_for;
use crate::ssh_channels::Channels;
use crate::ssh_source_tracker::SourceTracker;

/// One SSH connection's state.
pub(crate) struct Connection {
    factory: Arc<dyn SessionFactory>,
    addr: String,
    peer: Option<Peer>,
    channels: Channels,
    authenticated: Arc<AtomicBool>,
    source: Option<SourceTracker>,
}

impl Connection {
    pub(crate) fn new(
        factory: Arc<dyn SessionFactory>,
        addr: Option<SocketAddr>,
        max_channels: usize,
        authenticated: Arc<AtomicBool>,
    ) -> Self {
        let addr = addr.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
        Connection { factory, addr, peer: None, channels: Channels::new(max_channels), authenticated, source: None }
    }

    /// Accounts this connection's logins in its source's limits.
    pub(crate) fn with_source(mut self, source: SourceTracker) -> Self {
        self.source = Some(source);
        self
    }

    /// Whether the source failed too often: every further attempt is refused.
    fn source_blocked(&self) -> bool {
        self.source.as_ref().is_some_and(SourceTracker::is_blocked)
    }

    fn user(&self) -> &str {
        self.peer.as_ref().map_or("", |p| p.user.as_str())
    }

    fn refuse(&self, what: &str) {
        tracing::warn!(peer = %self.addr, user = self.user(), request = what, outcome = "refused", "ssh request refused");
    }

    fn refuse_login(&self, user: &str, method: &str) -> Auth {
        let blocked = self.source.as_ref().is_some_and(SourceTracker::failed);
        tracing::warn!(peer = %self.addr, user, method, outcome = "refused", source_blocked = blocked, "ssh login refused");
        Auth::reject()
    }
}

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_none(&mut self, user: &str) -> Result<Auth, Self::Error> {
        tracing::debug!(peer = %self.addr, user, "ssh auth method none refused");
        Ok(Auth::reject())
    }

    async fn auth_password(&mut self, user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(self.refuse_login(user, "password"))
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        user: &str,
        _submethods: &str,
        _response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        Ok(self.refuse_login(user, "keyboard-interactive"))
    }

    async fn auth_openssh_certificate(
        &mut self,
        user: &str,
        _c: &russh::keys::Certificate,
    ) -> Result<Auth, Self::Error> {
        Ok(self.refuse_login(user, "certificate"))
    }

    async fn auth_publickey_offered(&mut self, user: &str, offer: PublicKeyOffer<'_>) -> Result<Auth, Self::Error> {
        if self.source_blocked() {
            return Ok(self.refuse_login(user, "publickey"));
        }
        let keys = self.factory.authorised_keys();
        Ok(match privilege_for(&keys, user, offer.public_key) {
            Some(_) => Auth::Accept,
            None => self.refuse_login(user, "publickey"),
        })
    }

    async fn auth_publickey(&mut self, user: &str, key: VerifiedPublicKey<'_>) -> Result<Auth, Self::Error> {
        if self.source_blocked() {
            return Ok(self.refuse_login(user, "publickey"));
        }
        let keys = self.factory.authorised_keys();
        let Some(privilege) = privilege_for(&keys, user, key.public_key) else {
            return Ok(self.refuse_login(user, "publickey"));
        };
        tracing::info!(peer = %self.addr, user, privilege = privilege.name(), outcome = "accepted", "ssh login");
        self.peer = Some(Peer { user: user.to_owned(), privilege, transport: TransportKind::Ssh });
        Ok(Auth::Accept)
    }

    async fn auth_succeeded(&mut self, _session: &mut SshSession) -> Result<(), Self::Error> {
        self.authenticated.store(true, Ordering::SeqCst);
        if let Some(source) = &mut self.source {
            source.authenticated();
        }
        Ok(())
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        // The handler callbacks carry everything; the channel object itself is not needed.
        if self.peer.is_some() && self.channels.open(channel.id()) {
            reply.accept().await;
        } else {
            self.refuse("session channel (limit reached)");
            reply.reject(ChannelOpenFailure::ResourceShortage).await;
        }
        Ok(())
    }

    async fn channel_open_x11(
        &mut self,
        _c: Channel<Msg>,
        _a: &str,
        _p: u32,
        reply: ChannelOpenHandle,
        _s: &mut SshSession,
    ) -> Result<(), Self::Error> {
        self.refuse("x11 channel");
        reply.reject(ChannelOpenFailure::AdministrativelyProhibited).await;
        Ok(())
    }

    async fn channel_open_direct_tcpip(
        &mut self,
        _c: Channel<Msg>,
        host: &str,
        port: u32,
        _oa: &str,
        _op: u32,
        reply: ChannelOpenHandle,
        _s: &mut SshSession,
    ) -> Result<(), Self::Error> {
        self.refuse(&format!("direct-tcpip to {host}:{port}"));
        reply.reject(ChannelOpenFailure::AdministrativelyProhibited).await;
        Ok(())
    }

    async fn channel_open_forwarded_tcpip(
        &mut self,
        _c: Channel<Msg>,
        _h: &str,
        _p: u32,
        _oa: &str,
        _op: u32,
        reply: ChannelOpenHandle,
        _s: &mut SshSession,
    ) -> Result<(), Self::Error> {
        self.refuse("forwarded-tcpip channel");
        reply.reject(ChannelOpenFailure::AdministrativelyProhibited).await;
        Ok(())
    }

    async fn channel_open_direct_streamlocal(
        &mut self,
        _c: Channel<Msg>,
        path: &str,
        reply: ChannelOpenHandle,
        _s: &mut SshSession,
    ) -> Result<(), Self::Error> {
        self.refuse(&format!("direct-streamlocal to {path}"));
        reply.reject(ChannelOpenFailure::AdministrativelyProhibited).await;
        Ok(())
    }

    async fn tcpip_forward(&mut self, address: &str, port: &mut u32, _s: &mut SshSession) -> Result<bool, Self::Error> {
        self.refuse(&format!("tcpip-forward {address}:{port}"));
        Ok(false)
    }

    async fn streamlocal_forward(&mut self, path: &str, _s: &mut SshSession) -> Result<bool, Self::Error> {
        self.refuse(&format!("streamlocal-forward {path}"));
        Ok(false)
    }

    async fn agent_request(&mut self, _channel: ChannelId, _s: &mut SshSession) -> Result<bool, Self::Error> {
        self.refuse("agent forwarding");
        Ok(false)
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _sc: bool,
        _ap: &str,
        _ac: &str,
        _n: u32,
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        self.refuse("x11 forwarding");
        session.channel_failure(channel)
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        _value: &str,
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        tracing::debug!(peer = %self.addr, user = self.user(), name, "ssh env request ignored");
        session.channel_failure(channel)
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        self.refuse(&format!("subsystem {name}"));
        session.channel_failure(channel)
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _cols: u32,
        _rows: u32,
        _pw: u32,
        _ph: u32,
        _modes: &[(Pty, u32)],
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        self.channels.pty(channel, session)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut SshSession) -> Result<(), Self::Error> {
        let Some(peer) = self.peer.as_ref() else {
            return session.channel_failure(channel);
        };
        self.channels.shell(channel, &*self.factory, peer, &self.addr, session)?;
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut SshSession,
    ) -> Result<(), Self::Error> {
        let Some(peer) = self.peer.as_ref() else {
            return session.channel_failure(channel);
        };
        self.channels.exec(channel, self.factory.clone(), peer, &self.addr, data, session)?;
        Ok(())
    }

    async fn data(&mut self, channel: ChannelId, data: &[u8], _session: &mut SshSession) -> Result<(), Self::Error> {
        self.channels.data(channel, data);
        Ok(())
    }

    async fn channel_eof(&mut self, channel: ChannelId, _session: &mut SshSession) -> Result<(), Self::Error> {
        self.channels.eof(channel);
        Ok(())
    }

    async fn channel_close(&mut self, channel: ChannelId, _session: &mut SshSession) -> Result<(), Self::Error> {
        self.channels.close(channel);
        Ok(())
    }
}
