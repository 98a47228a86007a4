//! Offloads and ring sizes through the kernel's ethtool netlink family: [`Ethtool`] asks
//! and sets them, and checks afterwards that the driver did what was asked.

use crate::RoutingError;
use crate::ethtool_msg::{self, FEATURES_GET, FEATURES_SET, RINGS_GET, RINGS_SET, Rings};
use crate::message::{Ack, parse_ack};
use nix::errno::Errno;
use nix::sys::socket::{AddressFamily, MsgFlags, NetlinkAddr, SockFlag, SockProtocol, SockType, recv, sendto, socket};
use std::collections::BTreeSet;
use std::os::fd::{AsRawFd, OwnedFd};

/// An offload an operator turns on or off, as `ethtool -K` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Offload {
    /// Generic receive offload.
    Gro,
    /// Generic segmentation offload.
    Gso,
    /// TCP segmentation offload (IPv4 and IPv6).
    Tso,
    /// Receive checksumming.
    RxChecksum,
    /// Transmit checksumming.
    TxChecksum,
}

impl Offload {
    /// Every offload, in the order they are shown.
    pub const ALL: [Offload; 5] = [Offload::Gro, Offload::Gso, Offload::Tso, Offload::RxChecksum, Offload::TxChecksum];

    /// The configuration's and the CLI's name.
    pub fn name(self) -> &'static str {
        match self {
            Offload::Gro => "gro",
            Offload::Gso => "gso",
            Offload::Tso => "tso",
            Offload::RxChecksum => "rx-checksum",
            Offload::TxChecksum => "tx-checksum",
        }
    }

    /// The kernel's features behind it (as `ethtool -K` sets them; a kernel may know
    /// only some of them).
    pub fn features(self) -> &'static [&'static str] {
        match self {
            Offload::Gro => &["rx-gro"],
            Offload::Gso => &["tx-generic-segmentation"],
            Offload::Tso => &[
                "tx-tcp-segmentation",
                "tx-tcp-ecn-segmentation",
                "tx-tcp-mangleid-segmentation",
                "tx-tcp6-segmentation",
                "tx-tcp-accecn-segmentation",
            ],
            Offload::RxChecksum => &["rx-checksum"],
            Offload::TxChecksum => &[
                "tx-checksum-ipv4",
                "tx-checksum-ip-generic",
                "tx-checksum-ipv6",
                "tx-checksum-fcoe-crc",
                "tx-checksum-sctp",
            ],
        }
    }

    /// Whether it is on among `active` features: any of its features is.
    pub fn is_on(self, active: &BTreeSet<String>) -> bool {
        self.features().iter().any(|f| active.contains(*f))
    }
}

/// A connection to the kernel's ethtool netlink family.
#[derive(Debug)]
pub struct Ethtool {
    fd: OwnedFd,
    family: u16,
    seq: u32,
}

impl Ethtool {
    /// Opens a generic netlink socket and looks the ethtool family up.
    pub fn open() -> Result<Self, RoutingError> {
        let fd = socket(AddressFamily::Netlink, SockType::Raw, SockFlag::SOCK_CLOEXEC, SockProtocol::NetlinkGeneric)
            .map_err(|source| RoutingError { what: "opening a generic netlink socket".into(), source })?;
        let mut ethtool = Self { fd, family: ethtool_msg::GENL_ID_CTRL, seq: 0 };
        let reply =
            ethtool.ask(ethtool_msg::CTRL_CMD_GETFAMILY, &ethtool_msg::family_request("ethtool"), "finding ethtool")?;
        ethtool.family = ethtool_msg::family_id(&reply)
            .ok_or_else(|| RoutingError { what: "finding the ethtool netlink family".into(), source: Errno::ENOENT })?;
        Ok(ethtool)
    }

    /// Sends a command and returns the attributes of its reply (empty for none).
    fn ask(&mut self, command: u8, attrs: &[u8], what: &str) -> Result<Vec<u8>, RoutingError> {
        let error = |source| RoutingError { what: what.to_owned(), source };
        self.seq += 1;
        let mut message = vec![0u8; 20];
        message.extend_from_slice(attrs);
        let len = u32::try_from(message.len()).unwrap_or(u32::MAX);
        message[0..4].copy_from_slice(&len.to_ne_bytes());
        message[4..6].copy_from_slice(&self.family.to_ne_bytes());
        message[6..8].copy_from_slice(&(0x1u16 | 0x4).to_ne_bytes()); // request, ack
        message[8..12].copy_from_slice(&self.seq.to_ne_bytes());
        message[16] = command;
        message[17] = 1; // version
        sendto(self.fd.as_raw_fd(), &message, &NetlinkAddr::new(0, 0), MsgFlags::empty()).map_err(error)?;
        let mut reply = Vec::new();
        let mut buf = vec![0u8; 32768];
        loop {
            let n = recv(self.fd.as_raw_fd(), &mut buf, MsgFlags::empty()).map_err(error)?;
            let got = &buf[..n];
            if got.len() >= 20 && u16::from_ne_bytes([got[4], got[5]]) == self.family {
                let len = (u32::from_ne_bytes([got[0], got[1], got[2], got[3]]) as usize).min(got.len());
                reply = got[20..len].to_vec();
            }
            match parse_ack(got, self.seq) {
                Ack::Ok => return Ok(reply),
                Ack::Errno(errno) => return Err(error(Errno::from_raw(errno))),
                Ack::Missing => {}
            }
        }
    }

    /// The names of the device's active features.
    pub fn active_features(&mut self, index: u32) -> Result<BTreeSet<String>, RoutingError> {
        let reply = self.ask(FEATURES_GET, &ethtool_msg::get_request(index), "reading the offloads")?;
        Ok(ethtool_msg::active_features(&reply).unwrap_or_default())
    }

    /// Turns offloads on or off, then reads them back: returns those the driver left
    /// otherwise than asked.
    pub fn set_offloads(
        &mut self,
        index: u32,
        wanted: &[(Offload, bool)],
    ) -> Result<Vec<(Offload, bool)>, RoutingError> {
        let changes: Vec<(&str, bool)> =
            wanted.iter().flat_map(|(o, on)| o.features().iter().map(move |f| (*f, *on))).collect();
        self.ask(FEATURES_SET, &ethtool_msg::features_set_request(index, &changes), "setting the offloads")?;
        let active = self.active_features(index)?;
        Ok(wanted.iter().filter(|(o, on)| o.is_on(&active) != *on).copied().collect())
    }

    /// The device's ring sizes.
    pub fn rings(&mut self, index: u32) -> Result<Rings, RoutingError> {
        let reply = self.ask(RINGS_GET, &ethtool_msg::get_request(index), "reading the ring sizes")?;
        Ok(ethtool_msg::rings(&reply))
    }

    /// Sets the receive and transmit ring sizes (the kernel refuses sizes above the
    /// driver's maximum, and drivers that cannot change them).
    pub fn set_rings(&mut self, index: u32, rx: Option<u32>, tx: Option<u32>) -> Result<(), RoutingError> {
        self.ask(RINGS_SET, &ethtool_msg::rings_set_request(index, rx, tx), "setting the ring sizes").map(drop)
    }
}
