//! Runs a [`Client`] on a UDP socket bound to its interface (port 68, `SO_BINDTODEVICE`,
//! broadcast allowed), on the monotonic clock, and carries out its events.

use crate::lease_file::{LeaseRecord, write_resolv_conf};
use crate::machine::{Client, Event, Lease};
use crate::wire::{Packet, Repr};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use nix::sys::socket::{
    AddressFamily, MsgFlags, SockFlag, SockType, SockaddrIn, bind, recv, sendto, setsockopt, socket, sockopt,
};
use postern_rtnetlink::RoutingError;
use std::ffi::OsString;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::Path;
use std::time::{Instant, SystemTime};

const CLIENT_PORT: u16 = 68;
const SERVER_PORT: u16 = 67;

/// Where a lease's address and router are put to use.
pub trait LeaseSink {
    /// Use `lease`; `previous` is the lease it replaces, if any.
    fn bound(&mut self, previous: Option<&Lease>, lease: &Lease) -> Result<(), RoutingError>;
    /// Stop using `lease`.
    fn lost(&mut self, lease: &Lease) -> Result<(), RoutingError>;
}

/// What stops the client.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The interface's hardware address cannot be read.
    #[error("interface {interface}: no Ethernet address ({reason})")]
    NoMac {
        /// The interface.
        interface: String,
        /// Why.
        reason: String,
    },
    /// The socket could not be made ready.
    #[error("DHCP socket on {interface}: {step}: {source}")]
    Socket {
        /// The interface.
        interface: String,
        /// What was being done.
        step: &'static str,
        /// The error.
        source: nix::Error,
    },
    /// The kernel refused a lease's settings.
    #[error(transparent)]
    Apply(#[from] RoutingError),
}

/// The Ethernet address of `interface`, from `/sys/class/net`.
pub fn mac_of(interface: &str) -> Result<[u8; 6], ShellError> {
    let no_mac = |reason: String| ShellError::NoMac { interface: interface.to_owned(), reason };
    let text =
        std::fs::read_to_string(format!("/sys/class/net/{interface}/address")).map_err(|e| no_mac(e.to_string()))?;
    let bytes: Vec<u8> = text.trim().split(':').filter_map(|h| u8::from_str_radix(h, 16).ok()).collect();
    bytes.try_into().map_err(|_| no_mac(format!("{:?} is not an Ethernet address", text.trim())))
}

fn open(interface: &str) -> Result<OwnedFd, ShellError> {
    let failed = |step| move |source| ShellError::Socket { interface: interface.to_owned(), step, source };
    let fd = socket(AddressFamily::Inet, SockType::Datagram, SockFlag::SOCK_CLOEXEC, None).map_err(failed("socket"))?;
    setsockopt(&fd, sockopt::BindToDevice, &OsString::from(interface)).map_err(failed("binding to the device"))?;
    setsockopt(&fd, sockopt::Broadcast, &true).map_err(failed("allowing broadcast"))?;
    setsockopt(&fd, sockopt::ReuseAddr, &true).map_err(failed("reusing the address"))?;
    let any = SockaddrIn::from(SocketAddrV4::new(Ipv4Addr::UNSPECIFIED, CLIENT_PORT));
    bind(fd.as_raw_fd(), &any).map_err(failed("binding port 68"))?;
    Ok(fd)
}

/// Runs the client for `interface` until an error stops it, applying leases to `sink` and
/// recording them in `lease_dir`.
pub fn run(interface: &str, sink: &mut dyn LeaseSink, lease_dir: &Path) -> Result<(), ShellError> {
    let mac = mac_of(interface)?;
    let fd = open(interface)?;
    let origin = Instant::now();
    let seed = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default().subsec_nanos();
    let xid = u32::from_be_bytes([mac[2], mac[3], mac[4], mac[5]]) ^ seed;
    let mut client = Client::new(mac, xid, origin.elapsed());
    let mut buf = vec![0u8; 1500];
    tracing::info!(interface, "DHCP client started");
    let mut events = client.poll(origin.elapsed());
    let mut held: Option<Lease> = None;
    loop {
        for event in events.drain(..) {
            handle(interface, &fd, sink, lease_dir, event, &mut held, origin)?;
        }
        let now = origin.elapsed();
        let wait = client.next_wakeup().saturating_sub(now);
        let timeout = PollTimeout::try_from(wait.as_millis().min(60_000) as i32 + 1).unwrap_or(PollTimeout::MAX);
        let mut fds = [PollFd::new(fd.as_fd(), PollFlags::POLLIN)];
        let ready = poll(&mut fds, timeout).unwrap_or(0);
        if ready > 0 {
            let n = recv(fd.as_raw_fd(), &mut buf, MsgFlags::empty()).unwrap_or(0);
            match Packet::new_checked(&buf[..n]).and_then(|p| Repr::parse(&p)) {
                Ok(message) => events = client.receive(origin.elapsed(), &message),
                Err(error) => tracing::debug!(interface, %error, "ignored a message"),
            }
        }
        events.extend(client.poll(origin.elapsed()));
    }
}

fn handle(
    interface: &str,
    fd: &OwnedFd,
    sink: &mut dyn LeaseSink,
    lease_dir: &Path,
    event: Event,
    held: &mut Option<Lease>,
    origin: Instant,
) -> Result<(), ShellError> {
    match event {
        Event::Send { message, to } => {
            let to = SockaddrIn::from(SocketAddrV4::new(to, SERVER_PORT));
            if let Err(error) = sendto(fd.as_raw_fd(), &message.emit(), &to, MsgFlags::empty()) {
                tracing::warn!(interface, %error, kind = ?message.message_type, "DHCP message not sent; retried later");
            }
        }
        Event::Bound(lease) => {
            sink.bound(held.as_ref(), &lease)?;
            *held = Some(lease.clone());
            let record = LeaseRecord::of(&lease, origin.elapsed(), SystemTime::now());
            if let Err(error) = record.write(lease_dir, interface).and_then(|()| write_resolv_conf(lease_dir)) {
                tracing::error!(interface, %error, "lease not recorded");
            }
            tracing::info!(
                interface, address = %lease.address, prefix = lease.prefix, router = ?lease.router,
                server = %lease.server, dns = ?lease.dns_servers, expires_in_secs = (lease.expires_at - lease.obtained).as_secs(),
                "DHCP lease bound"
            );
        }
        Event::Lost(lease) => {
            *held = None;
            sink.lost(&lease)?;
            if let Err(error) = LeaseRecord::remove(lease_dir, interface).and_then(|()| write_resolv_conf(lease_dir)) {
                tracing::error!(interface, %error, "lease record not removed");
            }
            tracing::warn!(interface, address = %lease.address, "DHCP lease lost: address removed");
        }
    }
    Ok(())
}
