//! The DHCPv4 message (RFC 2131, options of RFC 2132) in smoltcp's style: [`Packet`] checks
//! and reads the bytes, [`Repr`] is a validated message that parses from and emits to them.

use std::net::Ipv4Addr;

/// Length of the fixed part, up to and including the magic cookie.
pub const HEADER_LEN: usize = 240;
const MAGIC: [u8; 4] = [99, 130, 83, 99];
const BOOTREQUEST: u8 = 1;
const BOOTREPLY: u8 = 2;
const ETHERNET: u8 = 1;
/// The broadcast bit of `flags`: asks the server to broadcast its reply, since a client
/// without an address cannot receive a unicast one on a UDP socket.
const FLAG_BROADCAST: u16 = 0x8000;

const OPT_PAD: u8 = 0;
const OPT_SUBNET_MASK: u8 = 1;
const OPT_ROUTER: u8 = 3;
const OPT_DNS: u8 = 6;
const OPT_REQUESTED_IP: u8 = 50;
const OPT_LEASE_TIME: u8 = 51;
const OPT_MESSAGE_TYPE: u8 = 53;
const OPT_SERVER_ID: u8 = 54;
const OPT_PARAMETER_LIST: u8 = 55;
const OPT_RENEWAL_TIME: u8 = 58;
const OPT_REBINDING_TIME: u8 = 59;
const OPT_END: u8 = 255;

/// Why bytes are not a usable DHCP message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// Shorter than the fixed header, or an option runs past the end.
    #[error("truncated DHCP message")]
    Truncated,
    /// Not BOOTP over Ethernet with the DHCP magic cookie.
    #[error("not a DHCP message over Ethernet")]
    NotDhcp,
    /// No message type option, or one this client does not know.
    #[error("DHCP message type missing or unknown")]
    BadMessageType,
    /// An option with a length its kind does not allow.
    #[error("DHCP option {0} has a bad length")]
    BadOption(u8),
}

/// The DHCP message types this client sends and understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageType {
    /// Client looks for servers.
    Discover = 1,
    /// Server offers an address.
    Offer = 2,
    /// Client asks for (or renews) an address.
    Request = 3,
    /// Client refuses an offered address in use.
    Decline = 4,
    /// Server grants the address.
    Ack = 5,
    /// Server refuses the request.
    Nak = 6,
    /// Client gives the address back.
    Release = 7,
}

impl MessageType {
    fn from_byte(byte: u8) -> Option<Self> {
        Some(match byte {
            1 => Self::Discover,
            2 => Self::Offer,
            3 => Self::Request,
            4 => Self::Decline,
            5 => Self::Ack,
            6 => Self::Nak,
            7 => Self::Release,
            _ => return None,
        })
    }
}

/// A read-only view of a DHCP message whose fixed header is known to be present.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer` after checking it holds the fixed header and the magic cookie.
    pub fn new_checked(buffer: T) -> Result<Self, WireError> {
        let bytes = buffer.as_ref();
        if bytes.len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        if bytes[1] != ETHERNET || bytes[2] != 6 || bytes[236..240] != MAGIC {
            return Err(WireError::NotDhcp);
        }
        Ok(Self { buffer })
    }

    fn bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }

    /// `op`: 1 request, 2 reply.
    pub fn op(&self) -> u8 {
        self.bytes()[0]
    }

    /// The transaction id.
    pub fn xid(&self) -> u32 {
        u32::from_be_bytes([self.bytes()[4], self.bytes()[5], self.bytes()[6], self.bytes()[7]])
    }

    fn address(&self, at: usize) -> Ipv4Addr {
        let b = self.bytes();
        Ipv4Addr::new(b[at], b[at + 1], b[at + 2], b[at + 3])
    }

    /// `yiaddr`: the address the server gives.
    pub fn your_address(&self) -> Ipv4Addr {
        self.address(16)
    }

    /// The client's hardware address.
    pub fn client_mac(&self) -> [u8; 6] {
        let mut mac = [0; 6];
        mac.copy_from_slice(&self.bytes()[28..34]);
        mac
    }

    /// The options after the magic cookie, as (kind, data), up to the end option.
    pub fn options(&self) -> Result<Vec<(u8, &[u8])>, WireError> {
        let mut rest = &self.bytes()[HEADER_LEN..];
        let mut out = Vec::new();
        while let Some((&kind, tail)) = rest.split_first() {
            match kind {
                OPT_PAD => rest = tail,
                OPT_END => break,
                _ => {
                    let (&len, tail) = tail.split_first().ok_or(WireError::Truncated)?;
                    let len = usize::from(len);
                    if tail.len() < len {
                        return Err(WireError::Truncated);
                    }
                    out.push((kind, &tail[..len]));
                    rest = &tail[len..];
                }
            }
        }
        Ok(out)
    }
}

/// A DHCP message with the fields and options this client uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repr {
    /// Its type.
    pub message_type: MessageType,
    /// The transaction id.
    pub xid: u32,
    /// The client's hardware (Ethernet) address.
    pub client_mac: [u8; 6],
    /// `ciaddr`: the client's current address, when renewing or rebinding.
    pub client_address: Ipv4Addr,
    /// `yiaddr`: the address the server offers or grants.
    pub your_address: Ipv4Addr,
    /// Whether the reply should be broadcast.
    pub broadcast: bool,
    /// Option 50.
    pub requested_address: Option<Ipv4Addr>,
    /// Option 54.
    pub server_id: Option<Ipv4Addr>,
    /// Option 1.
    pub subnet_mask: Option<Ipv4Addr>,
    /// Option 3 (the first router).
    pub router: Option<Ipv4Addr>,
    /// Option 6.
    pub dns_servers: Vec<Ipv4Addr>,
    /// Option 51, seconds.
    pub lease_secs: Option<u32>,
    /// Option 58, seconds.
    pub renewal_secs: Option<u32>,
    /// Option 59, seconds.
    pub rebinding_secs: Option<u32>,
}

impl Repr {
    /// A request of `message_type` from `client_mac`, every option absent.
    pub fn request(message_type: MessageType, xid: u32, client_mac: [u8; 6]) -> Self {
        Self {
            message_type,
            xid,
            client_mac,
            client_address: Ipv4Addr::UNSPECIFIED,
            your_address: Ipv4Addr::UNSPECIFIED,
            broadcast: false,
            requested_address: None,
            server_id: None,
            subnet_mask: None,
            router: None,
            dns_servers: Vec::new(),
            lease_secs: None,
            renewal_secs: None,
            rebinding_secs: None,
        }
    }

    /// Reads a checked packet.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Self, WireError> {
        let mut message_type = None;
        let mut repr = Self::request(MessageType::Discover, packet.xid(), packet.client_mac());
        repr.client_address = packet.address(12);
        repr.your_address = packet.your_address();
        repr.broadcast = u16::from_be_bytes([packet.bytes()[10], packet.bytes()[11]]) & FLAG_BROADCAST != 0;
        for (kind, data) in packet.options()? {
            let address = || one_address(kind, data);
            let seconds = || u32_of(kind, data);
            match kind {
                OPT_MESSAGE_TYPE => {
                    let [byte] = data else { return Err(WireError::BadOption(kind)) };
                    message_type = MessageType::from_byte(*byte);
                }
                OPT_SUBNET_MASK => repr.subnet_mask = Some(address()?),
                OPT_ROUTER => repr.router = addresses(kind, data)?.first().copied(),
                OPT_DNS => repr.dns_servers = addresses(kind, data)?,
                OPT_REQUESTED_IP => repr.requested_address = Some(address()?),
                OPT_SERVER_ID => repr.server_id = Some(address()?),
                OPT_LEASE_TIME => repr.lease_secs = Some(seconds()?),
                OPT_RENEWAL_TIME => repr.renewal_secs = Some(seconds()?),
                OPT_REBINDING_TIME => repr.rebinding_secs = Some(seconds()?),
                _ => {}
            }
        }
        repr.message_type = message_type.ok_or(WireError::BadMessageType)?;
        let expected_op = match repr.message_type {
            MessageType::Offer | MessageType::Ack | MessageType::Nak => BOOTREPLY,
            _ => BOOTREQUEST,
        };
        if packet.op() != expected_op {
            return Err(WireError::NotDhcp);
        }
        Ok(repr)
    }

    /// The message's bytes.
    pub fn emit(&self) -> Vec<u8> {
        let mut out = vec![0u8; HEADER_LEN];
        let reply = matches!(self.message_type, MessageType::Offer | MessageType::Ack | MessageType::Nak);
        out[0] = if reply { BOOTREPLY } else { BOOTREQUEST };
        out[1] = ETHERNET;
        out[2] = 6;
        out[4..8].copy_from_slice(&self.xid.to_be_bytes());
        if self.broadcast {
            out[10..12].copy_from_slice(&FLAG_BROADCAST.to_be_bytes());
        }
        out[12..16].copy_from_slice(&self.client_address.octets());
        out[16..20].copy_from_slice(&self.your_address.octets());
        out[28..34].copy_from_slice(&self.client_mac);
        out[236..240].copy_from_slice(&MAGIC);
        let mut option = |kind: u8, data: &[u8]| {
            out.push(kind);
            out.push(u8::try_from(data.len()).unwrap_or(u8::MAX));
            out.extend_from_slice(&data[..data.len().min(255)]);
        };
        option(OPT_MESSAGE_TYPE, &[self.message_type as u8]);
        let addresses = [
            (OPT_REQUESTED_IP, self.requested_address),
            (OPT_SERVER_ID, self.server_id),
            (OPT_SUBNET_MASK, self.subnet_mask),
            (OPT_ROUTER, self.router),
        ];
        for (kind, address) in addresses {
            if let Some(address) = address {
                option(kind, &address.octets());
            }
        }
        if !self.dns_servers.is_empty() {
            let data: Vec<u8> = self.dns_servers.iter().flat_map(|a| a.octets()).collect();
            option(OPT_DNS, &data);
        }
        for (kind, secs) in [
            (OPT_LEASE_TIME, self.lease_secs),
            (OPT_RENEWAL_TIME, self.renewal_secs),
            (OPT_REBINDING_TIME, self.rebinding_secs),
        ] {
            if let Some(secs) = secs {
                option(kind, &secs.to_be_bytes());
            }
        }
        if matches!(self.message_type, MessageType::Discover | MessageType::Request) {
            option(
                OPT_PARAMETER_LIST,
                &[OPT_SUBNET_MASK, OPT_ROUTER, OPT_DNS, OPT_LEASE_TIME, OPT_RENEWAL_TIME, OPT_REBINDING_TIME],
            );
        }
        out.push(OPT_END);
        // Some servers and relays drop BOOTP messages shorter than 300 bytes.
        out.resize(out.len().max(300), 0);
        out
    }
}

fn one_address(kind: u8, data: &[u8]) -> Result<Ipv4Addr, WireError> {
    let octets: [u8; 4] = data.try_into().map_err(|_| WireError::BadOption(kind))?;
    Ok(Ipv4Addr::from(octets))
}

fn addresses(kind: u8, data: &[u8]) -> Result<Vec<Ipv4Addr>, WireError> {
    if data.is_empty() || data.len() % 4 != 0 {
        return Err(WireError::BadOption(kind));
    }
    Ok(data.chunks_exact(4).map(|c| Ipv4Addr::new(c[0], c[1], c[2], c[3])).collect())
}

fn u32_of(kind: u8, data: &[u8]) -> Result<u32, WireError> {
    let bytes: [u8; 4] = data.try_into().map_err(|_| WireError::BadOption(kind))?;
    Ok(u32::from_be_bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ack() -> Repr {
        let mut ack = Repr::request(MessageType::Ack, 0x1234_5678, [2, 0, 0, 0, 0, 1]);
        ack.your_address = Ipv4Addr::new(192, 0, 2, 50);
        ack.server_id = Some(Ipv4Addr::new(192, 0, 2, 1));
        ack.subnet_mask = Some(Ipv4Addr::new(255, 255, 255, 0));
        ack.router = Some(Ipv4Addr::new(192, 0, 2, 1));
        ack.dns_servers = vec![Ipv4Addr::new(192, 0, 2, 53), Ipv4Addr::new(192, 0, 2, 54)];
        ack.lease_secs = Some(3600);
        ack.renewal_secs = Some(1800);
        ack.rebinding_secs = Some(3150);
        ack
    }

    #[test]
    fn a_message_survives_emit_and_parse() {
        let bytes = ack().emit();
        assert!(bytes.len() >= 300);
        assert_eq!(bytes[0], BOOTREPLY);
        let parsed = Repr::parse(&Packet::new_checked(&bytes[..]).expect("checked")).expect("parsed");
        assert_eq!(parsed, ack());
    }

    #[test]
    fn a_discover_asks_for_a_broadcast_reply_and_the_options_it_needs() {
        let mut discover = Repr::request(MessageType::Discover, 7, [2, 0, 0, 0, 0, 1]);
        discover.broadcast = true;
        let bytes = discover.emit();
        assert_eq!((bytes[0], bytes[10]), (BOOTREQUEST, 0x80));
        let packet = Packet::new_checked(&bytes[..]).expect("checked");
        let options = packet.options().expect("options");
        assert!(options.contains(&(OPT_MESSAGE_TYPE, &[1][..])));
        assert!(options.iter().any(|(k, d)| *k == OPT_PARAMETER_LIST && d.contains(&OPT_ROUTER)));
    }

    #[test]
    fn bad_bytes_are_refused_with_a_reason() {
        let good = ack().emit();
        assert_eq!(Packet::new_checked(&good[..100]).err(), Some(WireError::Truncated));
        let mut no_cookie = good.clone();
        no_cookie[236] = 0;
        assert_eq!(Packet::new_checked(&no_cookie[..]).err(), Some(WireError::NotDhcp));
        let mut cut_option = good[..HEADER_LEN].to_vec();
        cut_option.extend_from_slice(&[OPT_DNS, 8, 1, 2, 3]);
        let packet = Packet::new_checked(&cut_option[..]).expect("header");
        assert_eq!(Repr::parse(&packet).err(), Some(WireError::Truncated));
        let mut odd_dns = good[..HEADER_LEN].to_vec();
        odd_dns.extend_from_slice(&[OPT_MESSAGE_TYPE, 1, 5, OPT_DNS, 3, 1, 2, 3, OPT_END]);
        let packet = Packet::new_checked(&odd_dns[..]).expect("header");
        assert_eq!(Repr::parse(&packet).err(), Some(WireError::BadOption(OPT_DNS)));
        let mut no_type = good[..HEADER_LEN].to_vec();
        no_type.push(OPT_END);
        let packet = Packet::new_checked(&no_type[..]).expect("header");
        assert_eq!(Repr::parse(&packet).err(), Some(WireError::BadMessageType));
    }
}
