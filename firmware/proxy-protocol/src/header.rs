//! The validated meaning of a header of either version.

use crate::error::ProxyError;
use crate::v2::{INET_LEN, INET6_LEN, Packet, UNIX_LEN, V2_HEADER_LEN};
use crate::{framing, v1};
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// Which version of the protocol a header was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// The text line.
    V1,
    /// The binary header.
    V2,
}

/// What the sender says about the connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Version 2 LOCAL: the balancer's own connection (e.g. a health check); use the
    /// real connection's addresses.
    Local,
    /// The connection is relayed for a client, described by the addresses.
    Proxy,
}

/// The addresses a header carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Addresses {
    /// None given (v1 `UNKNOWN`, v2 LOCAL or family UNSPEC): use the real connection's.
    Unspecified,
    /// A TCP connection from `source` to `destination`.
    Tcp {
        /// The client.
        source: SocketAddr,
        /// The address the client connected to.
        destination: SocketAddr,
    },
    /// A UDP flow from `source` to `destination` (version 2 only).
    Udp {
        /// The client.
        source: SocketAddr,
        /// The address the client sent to.
        destination: SocketAddr,
    },
    /// UNIX socket paths (version 2 only; the paths are not kept).
    Unix,
}

/// A parsed, validated PROXY protocol header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProxyHeader {
    /// The version it was written in.
    pub version: Version,
    /// LOCAL or PROXY (always PROXY in version 1).
    pub command: Command,
    /// What it says about the client.
    pub addresses: Addresses,
}

impl ProxyHeader {
    /// Parses exactly one whole header (as delimited by [`framing`]); bytes after it
    /// are an error. Version 2 TLVs are checked to lie within the header, then ignored.
    pub fn parse(bytes: &[u8]) -> Result<Self, ProxyError> {
        match framing(bytes)? {
            framing::Framing::Need(more) => Err(ProxyError::Truncated { have: bytes.len(), need: bytes.len() + more }),
            framing::Framing::Complete(len) if len != bytes.len() => Err(ProxyError::TrailingBytes(bytes.len() - len)),
            framing::Framing::Complete(_) if bytes[0] == b'P' => {
                Ok(Self { version: Version::V1, command: Command::Proxy, addresses: v1::parse(bytes)? })
            }
            framing::Framing::Complete(_) => Self::parse_v2(&Packet::new_checked(bytes)?),
        }
    }

    /// Reads a checked version 2 packet.
    pub fn parse_v2<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Self, ProxyError> {
        if packet.version() != 2 {
            return Err(ProxyError::V2Version(packet.version()));
        }
        let command = match packet.command() {
            0 => Command::Local,
            1 => Command::Proxy,
            other => return Err(ProxyError::V2Command(other)),
        };
        let payload = packet.payload();
        let (addresses, address_len) = match command {
            // LOCAL: the address block is to be ignored, whatever its family.
            Command::Local => (Addresses::Unspecified, payload.len()),
            Command::Proxy => addresses(packet.family(), payload)?,
        };
        for tlv in packet.tlvs(address_len) {
            tlv?;
        }
        Ok(Self { version: Version::V2, command, addresses })
    }

    /// The client's address, when the header names one.
    pub fn source(&self) -> Option<SocketAddr> {
        match self.addresses {
            Addresses::Tcp { source, .. } | Addresses::Udp { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The length [`ProxyHeader::emit`] writes.
    pub fn buffer_len(&self) -> usize {
        match self.version {
            Version::V1 => match v1::emit(&self.addresses, &mut []) {
                Err(ProxyError::BufferTooSmall { need, .. }) => need,
                Ok(len) => len,
                Err(_) => 0,
            },
            Version::V2 => V2_HEADER_LEN + address_len(&self.addresses),
        }
    }

    /// Writes the header (version 2 without TLVs) into `buf`; returns its length.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, ProxyError> {
        if self.version == Version::V1 {
            if self.command == Command::Local {
                return Err(ProxyError::V1Malformed { reason: "version 1 has no LOCAL command" });
            }
            return v1::emit(&self.addresses, buf);
        }
        let len = self.buffer_len();
        let have = buf.len();
        let buf = buf.get_mut(..len).ok_or(ProxyError::BufferTooSmall { have, need: len })?;
        let (family, source, destination) = match self.addresses {
            Addresses::Unspecified => (0x00, None, None),
            Addresses::Tcp { source, destination } => {
                (family_of(source, destination)? | 0x01, Some(source), Some(destination))
            }
            Addresses::Udp { source, destination } => {
                (family_of(source, destination)? | 0x02, Some(source), Some(destination))
            }
            Addresses::Unix => (0x31, None, None),
        };
        let mut packet = Packet::new_unchecked(&mut *buf);
        packet.set_signature();
        packet.set_command(match self.command {
            Command::Local => 0,
            Command::Proxy => 1,
        });
        packet.set_family(family);
        packet.set_length((len - V2_HEADER_LEN) as u16);
        let payload = packet.payload_mut();
        payload.fill(0);
        if let (Some(s), Some(d)) = (source, destination) {
            write_addresses(s, d, payload);
        }
        Ok(len)
    }
}

/// The family nibble of a pair of addresses of the same family.
fn family_of(source: SocketAddr, destination: SocketAddr) -> Result<u8, ProxyError> {
    match (source, destination) {
        (SocketAddr::V4(_), SocketAddr::V4(_)) => Ok(0x10),
        (SocketAddr::V6(_), SocketAddr::V6(_)) => Ok(0x20),
        _ => Err(ProxyError::V2Family(0xff)),
    }
}

fn address_len(addresses: &Addresses) -> usize {
    match addresses {
        Addresses::Tcp { source, .. } | Addresses::Udp { source, .. } if source.is_ipv4() => INET_LEN,
        Addresses::Tcp { .. } | Addresses::Udp { .. } => INET6_LEN,
        Addresses::Unix => UNIX_LEN,
        Addresses::Unspecified => 0,
    }
}

fn write_addresses(source: SocketAddr, destination: SocketAddr, out: &mut [u8]) {
    let ip_len = match (source.ip(), destination.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            out[..4].copy_from_slice(&s.octets());
            out[4..8].copy_from_slice(&d.octets());
            4
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            out[..16].copy_from_slice(&s.octets());
            out[16..32].copy_from_slice(&d.octets());
            16
        }
        _ => return,
    };
    out[2 * ip_len..2 * ip_len + 2].copy_from_slice(&source.port().to_be_bytes());
    out[2 * ip_len + 2..2 * ip_len + 4].copy_from_slice(&destination.port().to_be_bytes());
}

/// The addresses of a PROXY command, and how many payload bytes they take.
fn addresses(family: u8, payload: &[u8]) -> Result<(Addresses, usize), ProxyError> {
    let need = match family >> 4 {
        0 => 0,
        1 => INET_LEN,
        2 => INET6_LEN,
        3 => UNIX_LEN,
        _ => return Err(ProxyError::V2Family(family)),
    };
    if !matches!(family, 0x00 | 0x11 | 0x12 | 0x21 | 0x22 | 0x31 | 0x32) {
        return Err(ProxyError::V2Family(family));
    }
    if payload.len() < need {
        return Err(ProxyError::V2AddressesTruncated { len: payload.len(), need });
    }
    let pair = |ip_len: usize, ip: &dyn Fn(&[u8]) -> IpAddr| {
        let port = |at: usize| u16::from_be_bytes([payload[at], payload[at + 1]]);
        let source = SocketAddr::new(ip(&payload[..ip_len]), port(2 * ip_len));
        let destination = SocketAddr::new(ip(&payload[ip_len..2 * ip_len]), port(2 * ip_len + 2));
        (source, destination)
    };
    let v4 = |b: &[u8]| IpAddr::V4(Ipv4Addr::new(b[0], b[1], b[2], b[3]));
    let v6 = |b: &[u8]| {
        let mut octets = [0u8; 16];
        octets.copy_from_slice(b);
        IpAddr::V6(Ipv6Addr::from(octets))
    };
    let addresses = match family {
        0x00 => Addresses::Unspecified,
        0x11 | 0x12 | 0x21 | 0x22 => {
            let (source, destination) = if family >> 4 == 1 { pair(4, &v4) } else { pair(16, &v6) };
            if family & 0x0f == 1 {
                Addresses::Tcp { source, destination }
            } else {
                Addresses::Udp { source, destination }
            }
        }
        _ => Addresses::Unix,
    };
    Ok((addresses, need))
}
