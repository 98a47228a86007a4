//! A read-only view of a DNS message whose 12-byte header is present.

use crate::error::DnsError;

/// Length of the header.
pub const HEADER_LEN: usize = 12;

/// The header's second 16 bits: QR, opcode, AA, TC, RD, RA, Z, AD, CD, RCODE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Flags(pub u16);

impl Flags {
    /// QR: a response, not a query.
    pub fn response(self) -> bool {
        self.0 & 0x8000 != 0
    }
    /// The operation (0 is a standard query).
    pub fn opcode(self) -> u8 {
        ((self.0 >> 11) & 0xF) as u8
    }
    /// RD: the client asks for recursion.
    pub fn recursion_desired(self) -> bool {
        self.0 & 0x0100 != 0
    }
    /// TC: the answer did not fit.
    pub fn truncated(self) -> bool {
        self.0 & 0x0200 != 0
    }
    /// CD: the client checks DNSSEC itself.
    pub fn checking_disabled(self) -> bool {
        self.0 & 0x0010 != 0
    }
    /// The response code.
    pub fn rcode(self) -> u8 {
        (self.0 & 0xF) as u8
    }

    /// The flags of a response to a query with these flags: QR, the same opcode, RD and
    /// CD, RA set, AA as given, and `rcode`.
    pub fn answering(self, authoritative: bool, rcode: Rcode) -> Self {
        let kept = self.0 & (0x7800 | 0x0100 | 0x0010);
        Self(0x8000 | kept | 0x0080 | if authoritative { 0x0400 } else { 0 } | rcode as u16)
    }

    /// These flags with TC set.
    pub fn with_truncated(self) -> Self {
        Self(self.0 | 0x0200)
    }
}

/// The response codes the resolver answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u16)]
pub enum Rcode {
    /// No error.
    NoError = 0,
    /// The query is malformed.
    FormErr = 1,
    /// The server could not answer.
    ServFail = 2,
    /// The operation is not supported.
    NotImp = 4,
}

/// A DNS message's bytes with a complete header.
#[derive(Debug, Clone)]
pub struct Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Packet<T> {
    /// Wraps `buffer`, refused if shorter than the header or longer than 65 535 bytes.
    pub fn new_checked(buffer: T) -> Result<Self, DnsError> {
        let len = buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(DnsError::Truncated("header"));
        }
        if len > usize::from(u16::MAX) {
            return Err(DnsError::TooLong("message"));
        }
        Ok(Self { buffer })
    }

    fn u16_at(&self, at: usize) -> u16 {
        let b = self.buffer.as_ref();
        u16::from_be_bytes([b[at], b[at + 1]])
    }

    /// The message id.
    pub fn id(&self) -> u16 {
        self.u16_at(0)
    }
    /// The flags.
    pub fn flags(&self) -> Flags {
        Flags(self.u16_at(2))
    }
    /// How many questions the header counts.
    pub fn question_count(&self) -> u16 {
        self.u16_at(4)
    }
    /// How many answer, authority and additional records the header counts.
    pub fn record_counts(&self) -> [u16; 3] {
        [self.u16_at(6), self.u16_at(8), self.u16_at(10)]
    }
    /// The whole message.
    pub fn as_bytes(&self) -> &[u8] {
        self.buffer.as_ref()
    }
}
