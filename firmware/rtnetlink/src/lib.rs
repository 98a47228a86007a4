//! The kernel's routing socket (rtnetlink): [`message`] encodes requests and reads
//! acknowledgements without I/O; [`Routing`] sends them and waits for the answer.
//! [`ethtool`] sets offloads and ring sizes through the ethtool netlink family.

pub mod attr;
pub mod ethtool;
pub mod ethtool_msg;
pub mod message;

pub use message::Request;

/// Where init records, per interface (`<name>.refused`, one line each), the settings its
/// driver refused, for `show interfaces`.
pub const REFUSED_DIR: &str = "/run/postern/nic";
use message::{Ack, parse_ack};
use nix::sys::socket::{AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto, socket};
use std::os::fd::{AsRawFd, OwnedFd};

/// A request the kernel refused, or a socket that failed.
#[derive(Debug, thiserror::Error)]
#[error("{what}: {source}")]
pub struct RoutingError {
    /// What was asked.
    pub what: String,
    /// The kernel's answer.
    pub source: nix::errno::Errno,
}

/// A connection to the kernel's routing socket.
#[derive(Debug)]
pub struct Routing {
    fd: OwnedFd,
    seq: u32,
}

impl Routing {
    /// Opens the socket.
    pub fn open() -> Result<Self, RoutingError> {
        let fd = socket(AddressFamily::Netlink, SockType::Raw, SockFlag::SOCK_CLOEXEC, SockProtocol::NetlinkRoute)
            .map_err(|source| RoutingError { what: "opening the routing socket".into(), source })?;
        Ok(Self { fd, seq: 0 })
    }

    /// Sends `request` and waits for the kernel's acknowledgement; `what` names it in errors.
    pub fn send(&mut self, request: &Request, what: &str) -> Result<(), RoutingError> {
        let error = |source| RoutingError { what: what.to_owned(), source };
        self.seq += 1;
        let message = request.emit(self.seq);
        sendto(self.fd.as_raw_fd(), &message, &NetlinkAddr::new(0, 0), MsgFlags::empty()).map_err(error)?;
        let mut buf = vec![0u8; 8192];
        loop {
            let n = recv(self.fd.as_raw_fd(), &mut buf, MsgFlags::empty()).map_err(error)?;
            match parse_ack(&buf[..n], self.seq) {
                Ack::Ok => return Ok(()),
                Ack::Errno(errno) => return Err(error(nix::errno::Errno::from_raw(errno))),
                Ack::Missing => {}
            }
        }
    }
}
