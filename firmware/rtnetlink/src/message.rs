//! rtnetlink messages, encoded and decoded without I/O: bring a link up, add or remove an
//! address, a default route or a route to a prefix out of a link, and read the kernel's acknowledgement.

use std::net::IpAddr;

const RTM_NEWLINK: u16 = 16;
const RTM_NEWADDR: u16 = 20;
const RTM_DELADDR: u16 = 21;
const RTM_NEWROUTE: u16 = 24;
const RTM_DELROUTE: u16 = 25;
const NLMSG_ERROR: u16 = 2;
const NLM_F_REQUEST: u16 = 0x1;
const NLM_F_ACK: u16 = 0x4;
const NLM_F_REPLACE: u16 = 0x100;
const NLM_F_CREATE: u16 = 0x400;
const IFF_UP: u32 = 0x1;
const IFA_ADDRESS: u16 = 1;
const IFLA_IFNAME: u16 = 3;
const IFLA_MTU: u16 = 4;
const IFA_LOCAL: u16 = 2;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const RT_TABLE_MAIN: u8 = 254;
const RTPROT_STATIC: u8 = 4;
const RT_SCOPE_UNIVERSE: u8 = 0;
const RT_SCOPE_LINK: u8 = 253;
const RTN_UNICAST: u8 = 1;
const AF_INET: u8 = 2;
const AF_INET6: u8 = 10;
const HEADER_LEN: usize = 16;

/// One request to the kernel's routing socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Set the link with this index up.
    LinkUp {
        /// The link.
        index: u32,
    },
    /// Set the link with this index down.
    LinkDown {
        /// The link.
        index: u32,
    },
    /// Give the link with this index another name (it must be down).
    Rename {
        /// The link.
        index: u32,
        /// Its new name, at most 15 bytes.
        name: String,
    },
    /// Set the link's MTU.
    Mtu {
        /// The link.
        index: u32,
        /// The MTU, in bytes.
        mtu: u32,
    },
    /// Add (or replace) an address with its prefix length on a link.
    Address {
        /// The link.
        index: u32,
        /// The address.
        address: IpAddr,
        /// Its prefix length.
        prefix: u8,
    },
    /// Add (or replace) the default route through a gateway on a link.
    DefaultRoute {
        /// The link.
        index: u32,
        /// The next hop.
        gateway: IpAddr,
    },
    /// Remove an address from a link.
    RemoveAddress {
        /// The link.
        index: u32,
        /// The address.
        address: IpAddr,
        /// Its prefix length.
        prefix: u8,
    },
    /// Remove the default route through a gateway on a link.
    RemoveDefaultRoute {
        /// The link.
        index: u32,
        /// The next hop.
        gateway: IpAddr,
    },
    /// Add (or replace) a route to a prefix straight out of a link (no next hop).
    Route {
        /// The link.
        index: u32,
        /// The prefix's network address.
        destination: IpAddr,
        /// Its length.
        prefix: u8,
    },
    /// Remove a route to a prefix out of a link.
    RemoveRoute {
        /// The link.
        index: u32,
        /// The prefix's network address.
        destination: IpAddr,
        /// Its length.
        prefix: u8,
    },
}

impl Request {
    /// The message bytes, with sequence number `seq`, asking for an acknowledgement.
    pub fn emit(&self, seq: u32) -> Vec<u8> {
        let mut out = vec![0u8; HEADER_LEN];
        let kind = match self {
            Request::LinkUp { index } => {
                out.extend_from_slice(&[0, 0, 0, 0]); // family, pad, type
                out.extend_from_slice(&index.to_ne_bytes());
                out.extend_from_slice(&IFF_UP.to_ne_bytes()); // flags
                out.extend_from_slice(&IFF_UP.to_ne_bytes()); // change mask
                RTM_NEWLINK
            }
            Request::LinkDown { index } | Request::Rename { index, .. } | Request::Mtu { index, .. } => {
                out.extend_from_slice(&[0, 0, 0, 0]); // family, pad, type
                out.extend_from_slice(&index.to_ne_bytes());
                out.extend_from_slice(&0u32.to_ne_bytes()); // flags
                let change: u32 = if matches!(self, Request::LinkDown { .. }) { IFF_UP } else { 0 };
                out.extend_from_slice(&change.to_ne_bytes());
                if let Request::Rename { name, .. } = self {
                    let mut text = name.as_bytes().to_vec();
                    text.push(0);
                    push_attr(&mut out, IFLA_IFNAME, &text);
                }
                if let Request::Mtu { mtu, .. } = self {
                    push_attr(&mut out, IFLA_MTU, &mtu.to_ne_bytes());
                }
                RTM_NEWLINK
            }
            Request::Address { index, address, prefix } | Request::RemoveAddress { index, address, prefix } => {
                out.extend_from_slice(&[family(address), *prefix, 0, RT_SCOPE_UNIVERSE]);
                out.extend_from_slice(&index.to_ne_bytes());
                push_attr(&mut out, IFA_LOCAL, &octets(address));
                push_attr(&mut out, IFA_ADDRESS, &octets(address));
                if matches!(self, Request::Address { .. }) { RTM_NEWADDR } else { RTM_DELADDR }
            }
            Request::DefaultRoute { index, gateway } | Request::RemoveDefaultRoute { index, gateway } => {
                out.extend_from_slice(&[
                    family(gateway),
                    0,
                    0,
                    0,
                    RT_TABLE_MAIN,
                    RTPROT_STATIC,
                    RT_SCOPE_UNIVERSE,
                    RTN_UNICAST,
                ]);
                out.extend_from_slice(&0u32.to_ne_bytes()); // flags
                push_attr(&mut out, RTA_GATEWAY, &octets(gateway));
                push_attr(&mut out, RTA_OIF, &index.to_ne_bytes());
                if matches!(self, Request::DefaultRoute { .. }) { RTM_NEWROUTE } else { RTM_DELROUTE }
            }
            Request::Route { index, destination, prefix } | Request::RemoveRoute { index, destination, prefix } => {
                out.extend_from_slice(&[
                    family(destination),
                    *prefix,
                    0,
                    0,
                    RT_TABLE_MAIN,
                    RTPROT_STATIC,
                    RT_SCOPE_LINK,
                    RTN_UNICAST,
                ]);
                out.extend_from_slice(&0u32.to_ne_bytes()); // flags
                push_attr(&mut out, RTA_DST, &octets(destination));
                push_attr(&mut out, RTA_OIF, &index.to_ne_bytes());
                if matches!(self, Request::Route { .. }) { RTM_NEWROUTE } else { RTM_DELROUTE }
            }
        };
        let flags = match self {
            Request::Address { .. } | Request::DefaultRoute { .. } | Request::Route { .. } => {
                NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE
            }
            _ => NLM_F_REQUEST | NLM_F_ACK,
        };
        let len = u32::try_from(out.len()).unwrap_or(u32::MAX);
        out[0..4].copy_from_slice(&len.to_ne_bytes());
        out[4..6].copy_from_slice(&kind.to_ne_bytes());
        out[6..8].copy_from_slice(&flags.to_ne_bytes());
        out[8..12].copy_from_slice(&seq.to_ne_bytes());
        out
    }
}

/// What the kernel answered to the request with sequence number `seq`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ack {
    /// Done.
    Ok,
    /// Refused with this errno.
    Errno(i32),
    /// The buffer holds no acknowledgement for `seq` (or is malformed).
    Missing,
}

/// Finds the acknowledgement of `seq` among the messages in `buf`.
pub fn parse_ack(buf: &[u8], seq: u32) -> Ack {
    let mut rest = buf;
    while rest.len() >= HEADER_LEN {
        let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let kind = u16::from_ne_bytes([rest[4], rest[5]]);
        let got_seq = u32::from_ne_bytes([rest[8], rest[9], rest[10], rest[11]]);
        if len < HEADER_LEN || len > rest.len() {
            return Ack::Missing;
        }
        if kind == NLMSG_ERROR && got_seq == seq && len >= HEADER_LEN + 4 {
            let code = i32::from_ne_bytes([rest[16], rest[17], rest[18], rest[19]]);
            return if code == 0 { Ack::Ok } else { Ack::Errno(-code) };
        }
        rest = &rest[align(len).min(rest.len())..];
    }
    Ack::Missing
}

fn family(address: &IpAddr) -> u8 {
    if address.is_ipv4() { AF_INET } else { AF_INET6 }
}

fn octets(address: &IpAddr) -> Vec<u8> {
    match address {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

use crate::attr::{align, push as push_attr};

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::Ipv4Addr;

    #[test]
    fn an_ipv4_address_request_has_the_kernel_layout() {
        let msg = Request::Address { index: 2, address: IpAddr::V4(Ipv4Addr::new(10, 0, 2, 15)), prefix: 24 }.emit(7);
        // header 16 + ifaddrmsg 8 + two 8-byte attributes
        assert_eq!(msg.len(), 40);
        assert_eq!(u32::from_ne_bytes([msg[0], msg[1], msg[2], msg[3]]), 40);
        assert_eq!(u16::from_ne_bytes([msg[4], msg[5]]), RTM_NEWADDR);
        assert_eq!(u32::from_ne_bytes([msg[8], msg[9], msg[10], msg[11]]), 7);
        assert_eq!(&msg[16..20], &[AF_INET, 24, 0, 0]);
        assert_eq!(u32::from_ne_bytes([msg[20], msg[21], msg[22], msg[23]]), 2);
        assert_eq!(u16::from_ne_bytes([msg[24], msg[25]]), 8, "attribute length");
        assert_eq!(u16::from_ne_bytes([msg[26], msg[27]]), IFA_LOCAL);
        assert_eq!(&msg[28..32], &[10, 0, 2, 15]);
    }

    #[test]
    fn an_ipv6_route_pads_nothing_and_carries_the_interface() {
        let gateway: IpAddr = "2001:db8::1".parse().expect("address");
        let msg = Request::DefaultRoute { index: 3, gateway }.emit(1);
        // header 16 + rtmsg 12 + gateway 20 + oif 8
        assert_eq!(msg.len(), 56);
        assert_eq!(msg[16], AF_INET6);
        assert_eq!(msg[17], 0, "a default route has no destination prefix");
        assert_eq!(u32::from_ne_bytes([msg[52], msg[53], msg[54], msg[55]]), 3);
    }

    #[test]
    fn removals_have_the_layout_of_their_additions_and_neither_create_nor_replace() {
        let address = IpAddr::V4(Ipv4Addr::new(10, 0, 2, 15));
        let add = Request::Address { index: 2, address, prefix: 24 }.emit(1);
        let remove = Request::RemoveAddress { index: 2, address, prefix: 24 }.emit(1);
        assert_eq!((add.len(), &add[16..]), (remove.len(), &remove[16..]));
        assert_eq!(u16::from_ne_bytes([remove[4], remove[5]]), RTM_DELADDR);
        assert_eq!(u16::from_ne_bytes([remove[6], remove[7]]), NLM_F_REQUEST | NLM_F_ACK);
        let gateway = IpAddr::V4(Ipv4Addr::new(10, 0, 2, 2));
        let route = Request::RemoveDefaultRoute { index: 2, gateway }.emit(1);
        assert_eq!(u16::from_ne_bytes([route[4], route[5]]), RTM_DELROUTE);
        assert_eq!(route[16..], Request::DefaultRoute { index: 2, gateway }.emit(1)[16..]);
    }

    #[test]
    fn a_prefix_route_names_its_destination_and_link_in_link_scope() {
        let destination: IpAddr = "10.200.0.0".parse().expect("address");
        let msg = Request::Route { index: 5, destination, prefix: 24 }.emit(1);
        assert_eq!(msg[4..6], RTM_NEWROUTE.to_ne_bytes());
        assert_eq!(msg[16..24], [AF_INET, 24, 0, 0, RT_TABLE_MAIN, RTPROT_STATIC, RT_SCOPE_LINK, RTN_UNICAST]);
        assert_eq!(msg[28..36], [8, 0, 1, 0, 10, 200, 0, 0], "RTA_DST");
        assert_eq!(msg[36..40], [8, 0, 4, 0], "RTA_OIF");
        let removal = Request::RemoveRoute { index: 5, destination, prefix: 24 }.emit(1);
        assert_eq!(removal[4..6], RTM_DELROUTE.to_ne_bytes());
        assert_eq!(removal[16..], msg[16..]);
    }

    #[test]
    fn a_rename_carries_the_name_with_its_nul_and_changes_no_flag() {
        let msg = Request::Rename { index: 4, name: "wan".into() }.emit(9);
        // header 16 + ifinfomsg 16 + IFLA_IFNAME (4 + "wan\0")
        assert_eq!(msg.len(), 40);
        assert_eq!(u16::from_ne_bytes([msg[4], msg[5]]), RTM_NEWLINK);
        assert_eq!(u32::from_ne_bytes([msg[20], msg[21], msg[22], msg[23]]), 4);
        assert_eq!(&msg[24..32], &[0; 8], "flags and change mask");
        assert_eq!(u16::from_ne_bytes([msg[34], msg[35]]), IFLA_IFNAME);
        assert_eq!(&msg[36..40], b"wan\0");
        let down = Request::LinkDown { index: 4 }.emit(1);
        assert_eq!(u32::from_ne_bytes([down[24], down[25], down[26], down[27]]), 0, "no flag set");
        assert_eq!(u32::from_ne_bytes([down[28], down[29], down[30], down[31]]), IFF_UP, "IFF_UP cleared");
    }

    #[test]
    fn acknowledgements_are_matched_by_sequence() {
        let ack = |seq: u32, code: i32| {
            let mut m = vec![0u8; 36];
            m[0..4].copy_from_slice(&36u32.to_ne_bytes());
            m[4..6].copy_from_slice(&NLMSG_ERROR.to_ne_bytes());
            m[8..12].copy_from_slice(&seq.to_ne_bytes());
            m[16..20].copy_from_slice(&code.to_ne_bytes());
            m
        };
        let mut two = ack(1, 0);
        two.extend(ack(2, -17));
        assert_eq!(parse_ack(&two, 1), Ack::Ok);
        assert_eq!(parse_ack(&two, 2), Ack::Errno(17));
        assert_eq!(parse_ack(&two, 3), Ack::Missing);
        assert_eq!(parse_ack(&two[..20], 2), Ack::Missing, "truncated");
    }
}
