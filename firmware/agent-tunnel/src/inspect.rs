//! A first look at a packet from the TUN: is it a TCP SYN opening a flow, and between
//! which endpoints? Checked like the stack checks it (lengths and checksum), so a damaged
//! packet opens nothing.

use smoltcp::wire::{IpAddress, IpProtocol, Ipv4Packet, Ipv6Packet, TcpPacket};
use std::net::SocketAddr;

/// The endpoints of a TCP segment that opens a connection (SYN without ACK).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Syn {
    pub(crate) client: SocketAddr,
    pub(crate) destination: SocketAddr,
}

fn tcp_syn(src: IpAddress, dst: IpAddress, payload: &[u8]) -> Option<Syn> {
    let tcp = TcpPacket::new_checked(payload).ok()?;
    if !tcp.syn() || tcp.ack() || tcp.rst() || !tcp.verify_checksum(&src, &dst) {
        return None;
    }
    Some(Syn {
        client: SocketAddr::new(src.into(), tcp.src_port()),
        destination: SocketAddr::new(dst.into(), tcp.dst_port()),
    })
}

/// The SYN `packet` carries, if it is an intact one (IPv4 or IPv6 without extension
/// headers).
pub(crate) fn syn(packet: &[u8]) -> Option<Syn> {
    match packet.first()? >> 4 {
        4 => {
            let ip = Ipv4Packet::new_checked(packet).ok()?;
            if ip.next_header() != IpProtocol::Tcp || !ip.verify_checksum() || ip.more_frags() || ip.frag_offset() != 0
            {
                return None;
            }
            tcp_syn(ip.src_addr().into(), ip.dst_addr().into(), ip.payload())
        }
        6 => {
            let ip = Ipv6Packet::new_checked(packet).ok()?;
            if ip.next_header() != IpProtocol::Tcp {
                return None;
            }
            tcp_syn(ip.src_addr().into(), ip.dst_addr().into(), ip.payload())
        }
        _ => None,
    }
}
