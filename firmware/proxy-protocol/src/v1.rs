//! Version 1: one text line, `PROXY TCP4|TCP6 SRC DST SPORT DPORT\r\n` or
//! `PROXY UNKNOWN …\r\n`.

use crate::error::ProxyError;
use crate::header::Addresses;
use core::fmt::Write;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The longest version 1 line, CRLF included (the protocol's own bound).
pub const V1_MAX_LEN: usize = 107;
/// How every version 1 line starts.
pub(crate) const V1_PREFIX: &[u8] = b"PROXY ";

fn malformed(reason: &'static str) -> ProxyError {
    ProxyError::V1Malformed { reason }
}

/// Parses a whole version 1 line (CRLF included, nothing after it).
pub(crate) fn parse(line: &[u8]) -> Result<Addresses, ProxyError> {
    if line.len() > V1_MAX_LEN {
        return Err(ProxyError::V1TooLong { max: V1_MAX_LEN });
    }
    let body = line
        .strip_prefix(V1_PREFIX)
        .ok_or(ProxyError::NotProxy)?
        .strip_suffix(b"\r\n")
        .ok_or_else(|| malformed("the line does not end with CRLF"))?;
    if body.contains(&b'\r') || body.contains(&b'\n') {
        return Err(malformed("CR or LF inside the line"));
    }
    if body == b"UNKNOWN" || body.starts_with(b"UNKNOWN ") {
        // The rest of an UNKNOWN line is to be ignored.
        return Ok(Addresses::Unspecified);
    }
    let text = core::str::from_utf8(body).map_err(|_| malformed("not ASCII"))?;
    let mut fields = text.split(' ');
    let mut next = |what: &'static str| fields.next().filter(|f| !f.is_empty()).ok_or_else(|| malformed(what));
    let protocol = next("missing protocol")?;
    let (source, destination) = (next("missing source address")?, next("missing destination address")?);
    let (source_port, destination_port) = (next("missing source port")?, next("missing destination port")?);
    if fields.next().is_some() {
        return Err(malformed("more than six fields"));
    }
    let (source, destination) = match protocol {
        "TCP4" => (v4(source)?, v4(destination)?),
        "TCP6" => (v6(source)?, v6(destination)?),
        _ => return Err(malformed("protocol is not TCP4, TCP6 or UNKNOWN")),
    };
    Ok(Addresses::Tcp {
        source: SocketAddr::new(source, port(source_port)?),
        destination: SocketAddr::new(destination, port(destination_port)?),
    })
}

fn v4(text: &str) -> Result<IpAddr, ProxyError> {
    text.parse::<Ipv4Addr>().map(IpAddr::V4).map_err(|_| malformed("not an IPv4 address"))
}

fn v6(text: &str) -> Result<IpAddr, ProxyError> {
    text.parse::<Ipv6Addr>().map(IpAddr::V6).map_err(|_| malformed("not an IPv6 address"))
}

/// A decimal port, 0 to 65 535, without a sign or leading zeros.
fn port(text: &str) -> Result<u16, ProxyError> {
    let digits = text.bytes().all(|b| b.is_ascii_digit());
    if !digits || text.len() > 5 || (text.len() > 1 && text.starts_with('0')) {
        return Err(malformed("a port is not a decimal number without leading zeros"));
    }
    text.parse().map_err(|_| malformed("a port is above 65535"))
}

/// A `core::fmt::Write` over a byte slice that counts what did not fit.
struct SliceWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let end = self.len + s.len();
        if let Some(dest) = self.buf.get_mut(self.len..end) {
            dest.copy_from_slice(s.as_bytes());
        }
        self.len = end;
        Ok(())
    }
}

/// Writes the version 1 line for `addresses` into `buf`; returns its length.
pub(crate) fn emit(addresses: &Addresses, buf: &mut [u8]) -> Result<usize, ProxyError> {
    let mut out = SliceWriter { buf, len: 0 };
    let _ = match addresses {
        Addresses::Tcp { source, destination } => {
            let protocol = match (source.ip(), destination.ip()) {
                (IpAddr::V4(_), IpAddr::V4(_)) => "TCP4",
                (IpAddr::V6(_), IpAddr::V6(_)) => "TCP6",
                _ => return Err(malformed("source and destination of different families")),
            };
            let (s, d) = (source.ip(), destination.ip());
            write!(out, "PROXY {protocol} {s} {d} {} {}\r\n", source.port(), destination.port())
        }
        Addresses::Unspecified => out.write_str("PROXY UNKNOWN\r\n"),
        _ => return Err(malformed("version 1 carries only TCP over IPv4 or IPv6")),
    };
    if out.len > out.buf.len() {
        return Err(ProxyError::BufferTooSmall { have: out.buf.len(), need: out.len });
    }
    Ok(out.len)
}
