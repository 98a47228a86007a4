//! posternd's side: start the helper, and ask it for listening sockets.

use crate::HelperError;
use crate::wire::{Answer, MAX_ANSWER, Request};
use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags, ReturnFlags, SendAncillaryBuffer, SendFlags,
    SocketFlags, SocketType,
};
use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::net::{SocketAddr, TcpListener};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, PoisonError};

/// The argument that starts a program in helper mode; the user follows it.
pub const HELPER_FLAG: &str = "--privileged-helper";

/// Why a bind through the helper failed.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    /// The system refused the bind (in the helper or in process).
    #[error("cannot bind {address}: {reason}")]
    Refused {
        /// The address asked for.
        address: SocketAddr,
        /// The call and errno text.
        reason: String,
    },
    /// The helper could not be reached or answered nonsense.
    #[error("the privileged helper failed binding {address}: {source}")]
    Helper {
        /// The address asked for.
        address: SocketAddr,
        /// What went wrong with the helper.
        #[source]
        source: HelperError,
    },
}

/// A running helper: one request at a time over a `SOCK_SEQPACKET` pair.
#[derive(Debug)]
pub struct Helper {
    socket: Mutex<OwnedFd>,
    child: Mutex<Child>,
}

impl Helper {
    /// Starts `program HELPER_FLAG user` with the helper's end of a fresh socket pair as
    /// its standard input (a descriptor handed over without unsafe code). The helper
    /// exits when this end closes.
    pub fn spawn(program: &Path, user: &str) -> Result<Self, HelperError> {
        let (ours, theirs) =
            rustix::net::socketpair(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None)
                .map_err(|errno| HelperError::System { call: "socketpair", source: errno.into() })?;
        let child = Command::new(program)
            .arg(HELPER_FLAG)
            .arg(user)
            .env_clear()
            .stdin(Stdio::from(theirs))
            .stdout(Stdio::null())
            .spawn()
            .map_err(|source| HelperError::System { call: "spawn", source })?;
        Ok(Self { socket: Mutex::new(ours), child: Mutex::new(child) })
    }

    /// The helper's process id.
    pub fn pid(&self) -> u32 {
        self.child.lock().unwrap_or_else(PoisonError::into_inner).id()
    }

    /// A listening socket on `address` from the helper. Blocks for one round trip.
    pub fn bind_tcp(&self, address: SocketAddr) -> Result<TcpListener, BindError> {
        let helper = |source| BindError::Helper { address, source };
        let (answer, fd) = self.ask(&Request::BindTcp { address }).map_err(helper)?;
        match (answer, fd) {
            (Answer::Bound { .. }, Some(fd)) => Ok(TcpListener::from(fd)),
            (Answer::Refused { reason, .. }, _) => Err(BindError::Refused { address, reason }),
            (Answer::Malformed { reason }, _) => Err(helper(HelperError::Answer(format!("request refused: {reason}")))),
            (Answer::Bound { .. }, None) => Err(helper(HelperError::Answer("no socket attached".into()))),
            (other, _) => Err(helper(HelperError::Answer(format!("{other:?} to a socket request")))),
        }
    }

    /// Has the helper change the interfaces from `before` to `after` (JSON lists of
    /// `[[interfaces]]` entries); its answer is `Applied` or `NotApplied`.
    pub fn apply_interfaces(&self, before: String, after: String) -> Result<Answer, HelperError> {
        let (answer, _) = self.ask(&Request::ApplyInterfaces { before, after })?;
        Ok(answer)
    }

    /// Sends one request and reads its answer, with the descriptor attached if any.
    pub fn ask(&self, request: &Request) -> Result<(Answer, Option<OwnedFd>), HelperError> {
        let bytes = request.encode().map_err(HelperError::Wire)?;
        self.ask_raw(&bytes)
    }

    /// Sends `bytes` as one packet and reads the answer (also for tests of malformed
    /// requests).
    pub fn ask_raw(&self, bytes: &[u8]) -> Result<(Answer, Option<OwnedFd>), HelperError> {
        let socket = self.socket.lock().unwrap_or_else(PoisonError::into_inner);
        exchange(&socket, bytes).map_err(|error| {
            // A helper that has gone is reaped here, and its end said.
            match self.child.lock().unwrap_or_else(PoisonError::into_inner).try_wait() {
                Ok(Some(status)) => HelperError::Answer(format!("the helper has exited ({status}): {error}")),
                _ => error,
            }
        })
    }
}

/// One request packet out, one answer packet in, on a connected `SOCK_SEQPACKET` socket.
pub fn exchange(socket: &OwnedFd, bytes: &[u8]) -> Result<(Answer, Option<OwnedFd>), HelperError> {
    let system = |call| move |errno: rustix::io::Errno| HelperError::System { call, source: errno.into() };
    rustix::net::sendmsg(socket, &[IoSlice::new(bytes)], &mut SendAncillaryBuffer::default(), SendFlags::NOSIGNAL)
        .map_err(system("sendmsg"))?;
    let mut buffer = [0u8; MAX_ANSWER + 1];
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = RecvAncillaryBuffer::new(&mut space);
    let received = loop {
        match rustix::net::recvmsg(socket, &mut [IoSliceMut::new(&mut buffer)], &mut control, RecvFlags::CMSG_CLOEXEC) {
            Err(rustix::io::Errno::INTR) => {}
            other => break other.map_err(system("recvmsg"))?,
        }
    };
    let mut fds: Vec<OwnedFd> = Vec::new();
    for message in control.drain() {
        if let RecvAncillaryMessage::ScmRights(received) = message {
            fds.extend(received);
        }
    }
    if received.bytes == 0 {
        return Err(HelperError::Answer("the helper closed its end".into()));
    }
    if received.flags.contains(ReturnFlags::TRUNC) || received.bytes > MAX_ANSWER || fds.len() > 1 {
        return Err(HelperError::Answer("an answer beyond its bounds".into()));
    }
    let answer = Answer::decode(&buffer[..received.bytes]).map_err(HelperError::Wire)?;
    Ok((answer, fds.pop()))
}
