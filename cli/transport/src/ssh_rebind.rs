//! Moving the SSH server to another listening socket, or stopping it from accepting,
//! without closing the sessions it serves.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::error::TransportError;

/// The socket the SSH server accepts on: `None` while it accepts nothing.
pub(crate) type Accepting = watch::Receiver<Option<Arc<TcpListener>>>;

/// Hands the running SSH server another listening socket (a commit moved the management
/// address or port) or takes its socket away; sessions already open go on either way.
#[derive(Clone, Debug)]
pub struct SshRebind {
    accepting: watch::Sender<Option<Arc<TcpListener>>>,
}

impl SshRebind {
    /// The rebind handle and the receiver the accept loop follows, starting on `listener`.
    pub(crate) fn new(listener: TcpListener) -> (Self, Accepting) {
        let (accepting, follows) = watch::channel(Some(Arc::new(listener)));
        (Self { accepting }, follows)
    }

    /// Accepts on `listener` (bound already, e.g. by a privileged helper) from now on; the
    /// previous socket is closed once the accept loop lets it go. Must be called inside a
    /// tokio runtime.
    pub fn listen_on(&self, listener: std::net::TcpListener) -> Result<SocketAddr, TransportError> {
        let addr = listener.local_addr().map_err(|source| TransportError::Rebind { source })?;
        listener.set_nonblocking(true).map_err(|source| TransportError::Rebind { source })?;
        let listener = TcpListener::from_std(listener).map_err(|source| TransportError::Rebind { source })?;
        self.accepting.send_replace(Some(Arc::new(listener)));
        Ok(addr)
    }

    /// Stops accepting new connections; open sessions go on.
    pub fn stop_listening(&self) {
        self.accepting.send_replace(None);
    }

    /// The address accepted on now, if any.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        self.accepting.borrow().as_ref().and_then(|l| l.local_addr().ok())
    }
}
