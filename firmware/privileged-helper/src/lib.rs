//! The privileged helper beside posternd. posternd starts it as root, before it gives up
//! root itself, by running its own program again with [`HELPER_FLAG`] and one end of a
//! `SOCK_SEQPACKET` socket pair as standard input. The helper becomes the same service
//! account keeping only [`KEPT`] (`CAP_NET_BIND_SERVICE`, `CAP_NET_ADMIN`), sets
//! `no_new_privs`, and then answers typed, bounded requests ([`Request`]) until posternd
//! closes its end. It reads nothing from the network and treats posternd as untrusted:
//! the most a compromised posternd can get from it is a listening TCP socket.

mod caps;
mod client;
mod serve;
pub mod wire;

pub use caps::{KEPT, become_user};
pub use client::{BindError, HELPER_FLAG, Helper, exchange};
pub use serve::{act, serve};
pub use wire::{Answer, Request};

/// Why the helper, or a conversation with it, failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HelperError {
    /// The named user does not exist.
    #[error("no such user {0:?}")]
    UnknownUser(String),
    /// The helper would keep root, or more than [`KEPT`].
    #[error("refusing to serve with root privileges: {0}")]
    Root(&'static str),
    /// A system call failed.
    #[error("{call} failed: {source}")]
    System {
        /// The call, e.g. "capset".
        call: &'static str,
        /// The errno.
        #[source]
        source: std::io::Error,
    },
    /// A message could not be encoded or decoded.
    #[error("message: {0}")]
    Wire(#[source] wire::WireError),
    /// The helper's answer was not what a request gets.
    #[error("unexpected answer: {0}")]
    Answer(String),
}

/// The helper process's whole life: become `user` with [`KEPT`], then serve the socket
/// on standard input until posternd closes it.
pub fn run(user: &str) -> Result<(), HelperError> {
    become_user(user)?;
    let socket = std::io::stdin();
    serve(std::os::fd::AsFd::as_fd(&socket))
}
