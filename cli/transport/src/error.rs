//! Errors of the transports.

use std::path::PathBuf;

/// Why a transport could not start or went down.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// A file or device could not be used.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The file, device or socket concerned.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// The SSH host key file exists but cannot be read as an OpenSSH private key.
    #[error("SSH host key {path} is not a valid OpenSSH private key: {reason}")]
    HostKey {
        /// The key file.
        path: PathBuf,
        /// What was wrong with it.
        reason: String,
    },
    /// The SSH listener could not be bound.
    #[error("cannot listen for SSH on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A new SSH listening socket could not be taken into use.
    #[error("cannot move the SSH server to the new socket: {source}")]
    Rebind {
        /// The underlying error.
        source: std::io::Error,
    },
    /// The socket path is a symbolic link, or another kind of file than a socket.
    #[error("refusing socket path {path}: {reason}")]
    UnsafeSocketPath {
        /// The path given.
        path: PathBuf,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A terminal setting could not be read or changed.
    #[error("terminal {path}: {what}: {source}")]
    Terminal {
        /// What was being done.
        what: &'static str,
        /// The terminal device.
        path: PathBuf,
        /// The underlying error.
        source: nix::Error,
    },
    /// A transport's task ended abnormally.
    #[error("{transport} task failed: {reason}")]
    Task {
        /// Which transport.
        transport: &'static str,
        /// What happened.
        reason: String,
    },
}

impl TransportError {
    /// An [`TransportError::Io`] for `path`.
    pub(crate) fn io(what: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TransportError::Io { what, path: path.into(), source }
    }
}
