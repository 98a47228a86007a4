//! The control channel's messages.

use crate::bytes::{Reader, Writer, check_str};
use crate::error::WireError;
use crate::packet::{HEADER_LEN, MAX_FRAME, Packet};
use crate::resource::{Resource, check_list, emit_list, parse_list};
use alloc::string::String;
use alloc::vec::Vec;

/// The length of a session cookie.
pub const COOKIE_LEN: usize = 32;
/// A session cookie: random bytes the gateway hands out and recognises.
pub type Cookie = [u8; COOKIE_LEN];
/// The longest version, detail or reason string.
const MAX_TEXT: usize = 128;

/// The one-byte type of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum MessageType {
    /// Agent → gateway: opens a session.
    Hello = 1,
    /// Gateway → agent: the session is open.
    Welcome = 2,
    /// Gateway → agent: no session, and why.
    Refused = 3,
    /// Gateway → agent: the protected resources changed.
    Resources = 4,
    /// Gateway → agent: the session ended, and why.
    Revoked = 5,
    /// Either way: keep-alive request.
    Ping = 6,
    /// Either way: keep-alive answer.
    Pong = 7,
}

impl TryFrom<u8> for MessageType {
    type Error = WireError;

    fn try_from(value: u8) -> Result<Self, WireError> {
        Ok(match value {
            1 => Self::Hello,
            2 => Self::Welcome,
            3 => Self::Refused,
            4 => Self::Resources,
            5 => Self::Revoked,
            6 => Self::Ping,
            7 => Self::Pong,
            other => return Err(WireError::UnknownType(other)),
        })
    }
}

/// Why the gateway refused a Hello.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum RefuseReason {
    /// The cookie is not (or no longer) a session of this device: start afresh.
    CookieUnknown = 1,
    /// The gateway blocks the device.
    DeviceBlocked = 2,
    /// The certificate names no device.
    DeviceUnidentified = 3,
    /// The gateway cannot open a session now (too many, shutting down).
    Unavailable = 4,
}

impl RefuseReason {
    /// A stable code for logs and `postern-agent status`.
    pub fn code(self) -> &'static str {
        match self {
            Self::CookieUnknown => "cookie-unknown",
            Self::DeviceBlocked => "device-blocked",
            Self::DeviceUnidentified => "device-unidentified",
            Self::Unavailable => "unavailable",
        }
    }
}

impl TryFrom<u8> for RefuseReason {
    type Error = WireError;

    fn try_from(value: u8) -> Result<Self, WireError> {
        Ok(match value {
            1 => Self::CookieUnknown,
            2 => Self::DeviceBlocked,
            3 => Self::DeviceUnidentified,
            4 => Self::Unavailable,
            other => return Err(WireError::UnknownReason(other)),
        })
    }
}

/// One message, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Repr {
    /// Opens or resumes a session.
    Hello {
        /// The agent's version.
        version: String,
        /// The cookie of an earlier session, to resume it.
        cookie: Option<Cookie>,
    },
    /// The session is open.
    Welcome {
        /// The session's id (kept when resumed with a cookie).
        session: u64,
        /// The cookie to resume it with.
        cookie: Cookie,
        /// The protected resources.
        resources: Vec<Resource>,
    },
    /// No session.
    Refused {
        /// Why.
        reason: RefuseReason,
        /// Words for the user.
        detail: String,
    },
    /// The protected resources, changed.
    Resources(Vec<Resource>),
    /// The session ended.
    Revoked {
        /// The gateway's reason code.
        reason: String,
    },
    /// Keep-alive request.
    Ping(u64),
    /// Keep-alive answer, echoing the request's nonce.
    Pong(u64),
}

impl Repr {
    /// The message's type.
    pub fn message_type(&self) -> MessageType {
        match self {
            Self::Hello { .. } => MessageType::Hello,
            Self::Welcome { .. } => MessageType::Welcome,
            Self::Refused { .. } => MessageType::Refused,
            Self::Resources(_) => MessageType::Resources,
            Self::Revoked { .. } => MessageType::Revoked,
            Self::Ping(_) => MessageType::Ping,
            Self::Pong(_) => MessageType::Pong,
        }
    }

    /// The message of a checked frame.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Self, WireError> {
        let kind = MessageType::try_from(packet.message_type())?;
        let mut r = Reader::new(packet.body());
        let repr = match kind {
            MessageType::Hello => {
                let version = r.str8("version", MAX_TEXT)?;
                let cookie = match r.u8("cookie flag")? {
                    0 => None,
                    1 => Some(cookie(&mut r)?),
                    _ => return Err(WireError::Invalid { field: "cookie flag", detail: "neither 0 nor 1" }),
                };
                Self::Hello { version, cookie }
            }
            MessageType::Welcome => {
                let session = r.u64("session")?;
                let cookie = cookie(&mut r)?;
                Self::Welcome { session, cookie, resources: parse_list(&mut r)? }
            }
            MessageType::Refused => {
                let reason = RefuseReason::try_from(r.u8("reason")?)?;
                Self::Refused { reason, detail: r.str8("detail", MAX_TEXT)? }
            }
            MessageType::Resources => Self::Resources(parse_list(&mut r)?),
            MessageType::Revoked => Self::Revoked { reason: r.str8("reason", MAX_TEXT)? },
            MessageType::Ping => Self::Ping(r.u64("nonce")?),
            MessageType::Pong => Self::Pong(r.u64("nonce")?),
        };
        r.finish()?;
        Ok(repr)
    }

    /// Fails on a field beyond its bound (what [`Repr::parse`] would refuse).
    pub fn check(&self) -> Result<(), WireError> {
        match self {
            Self::Hello { version, .. } => check_str("version", version, MAX_TEXT),
            Self::Welcome { resources, .. } | Self::Resources(resources) => check_list(resources),
            Self::Refused { detail, .. } => check_str("detail", detail, MAX_TEXT),
            Self::Revoked { reason } => check_str("reason", reason, MAX_TEXT),
            Self::Ping(_) | Self::Pong(_) => Ok(()),
        }
    }

    fn body(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        let mut w = Writer { buf: &mut buf };
        match self {
            Self::Hello { version, cookie } => {
                w.str8(version);
                match cookie {
                    Some(c) => {
                        w.buf.push(1);
                        w.buf.extend_from_slice(c);
                    }
                    None => w.buf.push(0),
                }
            }
            Self::Welcome { session, cookie, resources } => {
                w.buf.extend_from_slice(&session.to_be_bytes());
                w.buf.extend_from_slice(cookie);
                emit_list(resources, &mut w);
            }
            Self::Refused { reason, detail } => {
                w.buf.push(*reason as u8);
                w.str8(detail);
            }
            Self::Resources(resources) => emit_list(resources, &mut w),
            Self::Revoked { reason } => w.str8(reason),
            Self::Ping(n) | Self::Pong(n) => w.buf.extend_from_slice(&n.to_be_bytes()),
        }
        buf
    }

    /// The whole frame (header and body), after [`Repr::check`].
    pub fn to_frame(&self) -> Result<Vec<u8>, WireError> {
        self.check()?;
        let body = self.body();
        let len = body.len() + 1;
        if len > MAX_FRAME {
            return Err(WireError::FrameLength(len));
        }
        let mut frame = Vec::with_capacity(HEADER_LEN + body.len());
        frame.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
        frame.push(self.message_type() as u8);
        frame.extend_from_slice(&body);
        Ok(frame)
    }

    /// The frame's length in bytes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.body().len()
    }

    /// Writes the frame into the start of `buf`, of at least [`Repr::buffer_len`] bytes;
    /// returns the length written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, WireError> {
        let frame = self.to_frame()?;
        let got = buf.len();
        let out = buf.get_mut(..frame.len()).ok_or(WireError::BufferTooShort { got, needed: frame.len() })?;
        out.copy_from_slice(&frame);
        Ok(frame.len())
    }
}

fn cookie(r: &mut Reader<'_>) -> Result<Cookie, WireError> {
    let mut out = [0u8; COOKIE_LEN];
    out.copy_from_slice(r.take(COOKIE_LEN, "cookie")?);
    Ok(out)
}
