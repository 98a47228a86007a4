//! Networking from the configuration's `[[interfaces]]`: links up, addresses, default
//! routes, over the kernel's routing socket.

use crate::error::InitError;
use crate::netlink::{Ack, Request, parse_ack};
use nix::sys::socket::{AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto, socket};
use postern_config::Interface;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

/// A connection to the kernel's routing socket.
struct Routing {
    fd: OwnedFd,
    seq: u32,
}

impl Routing {
    fn open() -> Result<Self, InitError> {
        let fd = socket(AddressFamily::Netlink, SockType::Raw, SockFlag::SOCK_CLOEXEC, SockProtocol::NetlinkRoute)
            .map_err(InitError::sys("opening the routing socket"))?;
        Ok(Self { fd, seq: 0 })
    }

    fn send(&mut self, request: &Request, what: &str) -> Result<(), InitError> {
        self.seq += 1;
        let message = request.emit(self.seq);
        sendto(self.fd.as_raw_fd(), &message, &NetlinkAddr::new(0, 0), MsgFlags::empty())
            .map_err(InitError::sys(what.to_owned()))?;
        let mut buf = vec![0u8; 8192];
        loop {
            let n = recv(self.fd.as_raw_fd(), &mut buf, MsgFlags::empty()).map_err(InitError::sys(what.to_owned()))?;
            match parse_ack(&buf[..n], self.seq) {
                Ack::Ok => return Ok(()),
                Ack::Errno(errno) => {
                    return Err(InitError::Sys { step: what.to_owned(), source: nix::errno::Errno::from_raw(errno) });
                }
                Ack::Missing => {}
            }
        }
    }
}

/// Brings up `lo`, then each configured interface that is not shut down, with its
/// addresses and default gateway. An interface that does not exist is reported and
/// skipped: the gateway still serves on the others.
pub(crate) fn configure(interfaces: &[Interface]) -> Result<(), InitError> {
    let mut routing = Routing::open()?;
    let lo = index_of("lo", Duration::ZERO)?;
    routing.send(&Request::LinkUp { index: lo }, "bringing up lo")?;
    for interface in interfaces.iter().filter(|i| !i.shutdown) {
        let name = interface.name.as_str();
        let index = match index_of(name, Duration::from_secs(5)) {
            Ok(index) => index,
            Err(e) => {
                tracing::error!(interface = name, error = %e, "configured interface missing; skipped");
                continue;
            }
        };
        routing.send(&Request::LinkUp { index }, &format!("bringing up {name}"))?;
        for text in &interface.addresses {
            let (address, prefix) = parse_cidr(text).ok_or_else(|| InitError::Failed {
                step: format!("address of {name}"),
                reason: format!("{text:?} is not address/prefix"),
            })?;
            routing.send(&Request::Address { index, address, prefix }, &format!("adding {text} to {name}"))?;
        }
        if let Some(gateway) = &interface.gateway {
            let gateway: IpAddr = gateway.parse().map_err(|_| InitError::Failed {
                step: format!("gateway of {name}"),
                reason: format!("{gateway:?} is not an address"),
            })?;
            routing
                .send(&Request::DefaultRoute { index, gateway }, &format!("default route via {gateway} on {name}"))?;
        }
        tracing::info!(interface = name, addresses = ?interface.addresses, gateway = ?interface.gateway, "interface up");
    }
    Ok(())
}

fn index_of(name: &str, wait: Duration) -> Result<u32, InitError> {
    let start = Instant::now();
    loop {
        match nix::net::if_::if_nametoindex(name) {
            Ok(index) => return Ok(index),
            Err(e) if start.elapsed() >= wait => return Err(InitError::sys(format!("finding interface {name}"))(e)),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

/// `192.0.2.10/24` → (address, 24). Validation of the configuration already checked it.
fn parse_cidr(text: &str) -> Option<(IpAddr, u8)> {
    let (address, prefix) = text.split_once('/')?;
    Some((address.parse().ok()?, prefix.parse().ok()?))
}
