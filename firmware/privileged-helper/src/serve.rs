//! The helper's side: read one request per packet, act, answer, until posternd closes
//! its end. posternd is not trusted here: a request is read into a bounded buffer,
//! anything but a well-formed request is answered `Malformed`, descriptors posternd might
//! attach are discarded by the kernel (no control buffer is offered), and the only things
//! it does are handing out a listening TCP socket and changing the configured interfaces'
//! links, addresses and routes.

use crate::HelperError;
use crate::wire::{Answer, MAX_REQUEST, Request};
use rustix::net::{
    AddressFamily, RecvAncillaryBuffer, RecvFlags, ReturnFlags, SendAncillaryBuffer, SendAncillaryMessage, SendFlags,
    SocketFlags, SocketType, sockopt,
};
use std::io::{IoSlice, IoSliceMut};
use std::mem::MaybeUninit;
use std::net::SocketAddr;
use std::os::fd::{AsFd, OwnedFd};

/// The listen backlog of a bound socket, as tokio's own `TcpListener::bind`.
const BACKLOG: i32 = 1024;

/// Serves requests on `socket` until the other end closes it (then returns `Ok`).
pub fn serve(socket: impl AsFd) -> Result<(), HelperError> {
    // One byte more than a request may have, so that a longer one shows as truncated
    // even where the kernel does not report MSG_TRUNC.
    let mut buffer = vec![0u8; MAX_REQUEST + 1];
    loop {
        let received = rustix::net::recvmsg(
            &socket,
            &mut [IoSliceMut::new(&mut buffer)],
            &mut RecvAncillaryBuffer::default(),
            RecvFlags::CMSG_CLOEXEC,
        );
        let received = match received {
            Ok(received) => received,
            Err(rustix::io::Errno::INTR) => continue,
            Err(errno) => return Err(HelperError::System { call: "recvmsg", source: errno.into() }),
        };
        if received.bytes == 0 {
            return Ok(());
        }
        let (answer, socket_out) = if received.flags.contains(ReturnFlags::TRUNC) || received.bytes > MAX_REQUEST {
            (Answer::malformed(&format!("a request is at most {MAX_REQUEST} bytes")), None)
        } else if received.flags.contains(ReturnFlags::CTRUNC) {
            (Answer::malformed("a request carries no descriptors"), None)
        } else {
            match Request::decode(&buffer[..received.bytes]) {
                Ok(request) => act(&request),
                Err(error) => (Answer::malformed(&error.to_string()), None),
            }
        };
        answer_with(&socket, &answer, socket_out.as_ref())?;
    }
}

/// Carries out one well-formed request.
pub fn act(request: &Request) -> (Answer, Option<OwnedFd>) {
    match request {
        Request::BindTcp { address } => match bind_tcp(*address) {
            Ok((fd, bound)) => (Answer::Bound { address: bound }, Some(fd)),
            Err((call, errno)) => {
                (Answer::refused(errno.raw_os_error(), &format!("{call}: {}", std::io::Error::from(errno))), None)
            }
        },
        Request::ApplyInterfaces { before, after } => (apply_interfaces(before, after), None),
    }
}

/// Reads both interface lists, plans the change between them and carries it out.
fn apply_interfaces(before: &str, after: &str) -> Answer {
    let read = |what: &str, text: &str| {
        serde_json::from_str::<Vec<postern_config::Interface>>(text)
            .map_err(|e| Answer::malformed(&format!("the {what} interfaces: {e}")))
    };
    let (before, after) = match (read("running", before), read("committed", after)) {
        (Ok(before), Ok(after)) => (before, after),
        (Err(answer), _) | (_, Err(answer)) => return answer,
    };
    let plan = postern_network::plan(&before, &after);
    // At a commit the cards are there or not: no wait for a driver, as at boot.
    let options = postern_network::Options { link_wait: std::time::Duration::ZERO, ..Default::default() };
    match postern_network::apply_with(&plan, &options) {
        Ok(applied) => Answer::Applied {
            done: count(applied.done),
            already: count(applied.already),
            missing: count(applied.missing.len()),
            refused: count(applied.refused.len()),
        },
        Err(error) => Answer::not_applied(&error.to_string()),
    }
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A nonblocking, close-on-exec TCP socket with `SO_REUSEADDR`, bound to `address` and
/// listening; and the address actually bound.
fn bind_tcp(address: SocketAddr) -> Result<(OwnedFd, SocketAddr), (&'static str, rustix::io::Errno)> {
    let family = if address.is_ipv4() { AddressFamily::INET } else { AddressFamily::INET6 };
    let fd = rustix::net::socket_with(family, SocketType::STREAM, SocketFlags::NONBLOCK | SocketFlags::CLOEXEC, None)
        .map_err(|e| ("socket", e))?;
    sockopt::set_socket_reuseaddr(&fd, true).map_err(|e| ("setsockopt(SO_REUSEADDR)", e))?;
    rustix::net::bind(&fd, &address).map_err(|e| ("bind", e))?;
    rustix::net::listen(&fd, BACKLOG).map_err(|e| ("listen", e))?;
    let bound = rustix::net::getsockname(&fd).ok().and_then(|a| SocketAddr::try_from(a).ok()).unwrap_or(address);
    Ok((fd, bound))
}

fn answer_with(socket: &impl AsFd, answer: &Answer, fd: Option<&OwnedFd>) -> Result<(), HelperError> {
    let bytes = answer.encode().map_err(HelperError::Wire)?;
    let mut space = [MaybeUninit::uninit(); rustix::cmsg_space!(ScmRights(1))];
    let mut control = SendAncillaryBuffer::new(&mut space);
    let fds;
    if let Some(fd) = fd {
        fds = [fd.as_fd()];
        control.push(SendAncillaryMessage::ScmRights(&fds));
    }
    rustix::net::sendmsg(socket, &[IoSlice::new(&bytes)], &mut control, SendFlags::NOSIGNAL)
        .map_err(|errno| HelperError::System { call: "sendmsg", source: errno.into() })?;
    Ok(())
}
