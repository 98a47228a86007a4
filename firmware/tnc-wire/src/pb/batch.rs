//! The PB-TNC batch: header view and validated representation.

use alloc::vec::Vec;

use super::message::{MESSAGE_HEADER_LEN, PbMessage};
use crate::{Limits, WireError, bytes::to_vec};

/// The PB-TNC version of RFC 5793.
pub const PB_TNC_VERSION: u8 = 2;
/// Bytes of the batch header.
pub const BATCH_HEADER_LEN: usize = 8;
const FLAG_D: u8 = 0x80;

/// The six batch types; the low four bits of the header's fourth octet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum BatchType {
    /// Client data.
    Cdata = 1,
    /// Server data.
    Sdata = 2,
    /// The server's result (assessment, recommendation, remediation).
    Result = 3,
    /// The client asks for a new assessment.
    Cretry = 4,
    /// The server asks for a new assessment.
    Sretry = 5,
    /// Either side ends the exchange.
    Close = 6,
}

impl BatchType {
    /// The type for a wire value, if it is one.
    pub fn from_wire(v: u8) -> Option<Self> {
        Some(match v {
            1 => Self::Cdata,
            2 => Self::Sdata,
            3 => Self::Result,
            4 => Self::Cretry,
            5 => Self::Sretry,
            6 => Self::Close,
            _ => return None,
        })
    }

    /// Whether a client may send it (RFC 5793 §3.2).
    pub fn from_client(self) -> bool {
        matches!(self, Self::Cdata | Self::Cretry | Self::Close)
    }
}

/// A view of one PB-TNC batch over a buffer.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps a buffer without checking it.
    pub fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps a buffer holding exactly one batch: version 2, a known type, and a length
    /// field equal to the buffer's length and within `limits.max_batch`.
    pub fn new_checked(buffer: T, limits: &Limits) -> Result<Self, WireError> {
        let len = buffer.as_ref().len();
        if len < BATCH_HEADER_LEN {
            return Err(WireError::Truncated { what: "PB-TNC batch header", needed: BATCH_HEADER_LEN, available: len });
        }
        let p = Self { buffer };
        if p.version() != PB_TNC_VERSION {
            return Err(WireError::Version { what: "PB-TNC batch", version: p.version() });
        }
        if BatchType::from_wire(p.batch_type_raw()).is_none() {
            return Err(WireError::InvalidValue { what: "PB-TNC batch type", value: p.batch_type_raw().into() });
        }
        let declared = p.batch_length();
        if declared > limits.max_batch {
            return Err(WireError::TooLarge {
                what: "PB-TNC batch",
                len: declared.into(),
                max: limits.max_batch.into(),
            });
        }
        if declared as usize != len {
            return Err(WireError::LengthMismatch { what: "PB-TNC batch", declared: declared.into(), actual: len });
        }
        Ok(p)
    }

    /// The version octet.
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[0]
    }

    /// The D flag: set when the batch comes from the server.
    pub fn from_server(&self) -> bool {
        self.buffer.as_ref()[1] & FLAG_D != 0
    }

    /// The raw batch type (low four bits of octet 3).
    pub fn batch_type_raw(&self) -> u8 {
        self.buffer.as_ref()[3] & 0x0f
    }

    /// The batch length, header included.
    pub fn batch_length(&self) -> u32 {
        let b = self.buffer.as_ref();
        u32::from_be_bytes([b[4], b[5], b[6], b[7]])
    }

    /// The messages after the header.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[BATCH_HEADER_LEN..]
    }
}

/// One PB-TNC batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchRepr {
    /// The D flag: the server sent it.
    pub from_server: bool,
    /// Its type.
    pub batch_type: BatchType,
    /// Its messages, in order.
    pub messages: Vec<PbMessage>,
}

impl BatchRepr {
    /// Parses and validates a batch. Messages that only a RESULT batch may carry are
    /// refused from a client and dropped from any other server batch (as strongSwan
    /// does); skippable messages of unknown types are kept as [`PbMessage::Unknown`].
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>, limits: &Limits) -> Result<Self, WireError> {
        let from_server = packet.from_server();
        let batch_type = BatchType::from_wire(packet.batch_type_raw())
            .ok_or(WireError::InvalidValue { what: "PB-TNC batch type", value: packet.batch_type_raw().into() })?;
        if batch_type.from_client() == from_server && batch_type != BatchType::Close {
            return Err(WireError::Invalid {
                what: "PB-TNC batch",
                reason: "batch type not allowed in this direction",
            });
        }
        let mut rest = packet.payload();
        let mut messages = Vec::new();
        while !rest.is_empty() {
            if messages.len() == limits.max_batch_messages {
                return Err(WireError::TooLarge {
                    what: "PB-TNC messages in a batch",
                    len: messages.len() as u64 + 1,
                    max: limits.max_batch_messages as u64,
                });
            }
            let (message, used) = PbMessage::parse(rest)?;
            rest = &rest[used..];
            if message.result_only() && batch_type != BatchType::Result {
                if !from_server {
                    return Err(WireError::Invalid { what: "PB-TNC batch", reason: "result message from a client" });
                }
                continue;
            }
            messages.push(message);
        }
        Ok(Self { from_server, batch_type, messages })
    }

    /// Parses a whole batch from bytes.
    pub fn parse_bytes(bytes: &[u8], limits: &Limits) -> Result<Self, WireError> {
        Self::parse(&Packet::new_checked(bytes, limits)?, limits)
    }

    /// Bytes of the emitted batch.
    pub fn buffer_len(&self) -> usize {
        BATCH_HEADER_LEN + self.messages.iter().map(|m| MESSAGE_HEADER_LEN + m.value_len()).sum::<usize>()
    }

    /// Emits into `buf`, which must be [`Self::buffer_len`] bytes long.
    pub fn emit(&self, buf: &mut [u8]) -> Result<(), WireError> {
        let len = u32::try_from(self.buffer_len()).map_err(|_| WireError::TooLarge {
            what: "PB-TNC batch",
            len: self.buffer_len() as u64,
            max: u64::from(u32::MAX),
        })?;
        self.messages.iter().try_for_each(PbMessage::check)?;
        buf[0] = PB_TNC_VERSION;
        buf[1] = if self.from_server { FLAG_D } else { 0 };
        buf[2] = 0;
        buf[3] = self.batch_type as u8;
        buf[4..8].copy_from_slice(&len.to_be_bytes());
        let mut at = BATCH_HEADER_LEN;
        for m in &self.messages {
            let n = MESSAGE_HEADER_LEN + m.value_len();
            m.emit(&mut buf[at..at + n]);
            at += n;
        }
        Ok(())
    }

    /// Emits into a new vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>, WireError> {
        let mut out = to_vec(self.buffer_len(), |_| {});
        self.emit(&mut out)?;
        Ok(out)
    }
}
