//! The interface between the transports and the CLI: peers, sessions and the factory that makes them.

/// What a peer may do; the transport decides it from how the peer authenticated.
pub use postern_decision::Privilege;

/// The transport a peer came in through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TransportKind {
    /// The serial console (or stdin/stdout): physical access.
    Serial,
    /// The SSH server, authenticated by public key.
    Ssh,
    /// The local scripting socket, authenticated by the kernel's peer credentials.
    Socket,
}

/// Who is on the other end, as the transport authenticated them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    /// The login name (SSH user, `console`, or the socket peer's account name).
    pub user: String,
    /// What the peer may do.
    pub privilege: Privilege,
    /// How the peer reached the CLI.
    pub transport: TransportKind,
}

/// Whether a session goes on after a call to [`Session::feed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Keep feeding bytes.
    Continue,
    /// The user left (`exit` at the top level, for example): close the session.
    End,
}

/// Where a session's output goes as it is produced. A transport that streams sends each
/// write on at once, so a long command's progress shows while it runs.
pub trait Output {
    /// Takes the next bytes of output.
    fn write(&mut self, bytes: &[u8]);
}

impl Output for Vec<u8> {
    fn write(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// One interactive CLI session: bytes in, terminal bytes out. It may block while a
/// command runs; transports call it from a thread of its own, never from the runtime's.
pub trait Session: Send {
    /// Writes the banner and first prompt.
    fn start(&mut self, out: &mut dyn Output);
    /// Feeds bytes typed by the user, writing what the terminal should show.
    fn feed(&mut self, input: &[u8], out: &mut dyn Output) -> Flow;
}

/// The result of running command lines non-interactively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneShot {
    /// Everything the commands printed, lines ending in `\n`.
    pub output: String,
    /// False if any command failed (unknown, refused, invalid).
    pub success: bool,
}

/// An authorised SSH key: who logs in with it and with which privilege.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorisedKey {
    /// The login name the key is valid for.
    pub user: String,
    /// The privilege the login gets.
    pub privilege: Privilege,
    /// The public key as an OpenSSH line (`ssh-ed25519 AAAA… comment`).
    pub openssh: String,
}

/// Makes sessions; one factory is shared by all transports (and threads).
pub trait SessionFactory: Send + Sync + 'static {
    /// A new interactive session for `peer`.
    fn interactive(&self, peer: &Peer) -> Box<dyn Session>;
    /// Runs `lines` (separated by `\n`) as CLI commands for `peer`, non-interactively.
    fn one_shot(&self, peer: &Peer, lines: &str) -> OneShot;
    /// [`SessionFactory::one_shot`], writing the output to `out` as it comes; returns
    /// whether every command succeeded. Unless implemented, the output comes at the end.
    fn run_lines(&self, peer: &Peer, lines: &str, out: &mut dyn Output) -> bool {
        let result = self.one_shot(peer, lines);
        out.write(result.output.as_bytes());
        result.success
    }
    /// The SSH keys allowed to log in now; asked at every authentication attempt.
    fn authorised_keys(&self) -> Vec<AuthorisedKey>;
}
