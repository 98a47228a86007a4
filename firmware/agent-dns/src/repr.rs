//! A validated DNS message: header, questions and records (record data kept as bytes).

use crate::error::DnsError;
use crate::name::Name;
use crate::packet::{Flags, HEADER_LEN, Packet};
use alloc::vec::Vec;

/// Record types the resolver looks at.
pub mod rtype {
    /// An IPv4 address.
    pub const A: u16 = 1;
    /// An IPv6 address.
    pub const AAAA: u16 = 28;
    /// Every type.
    pub const ANY: u16 = 255;
}

/// Classes the resolver looks at.
pub mod class {
    /// The Internet.
    pub const IN: u16 = 1;
    /// Every class.
    pub const ANY: u16 = 255;
}

/// One question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// The name asked about.
    pub name: Name,
    /// The record type asked for.
    pub rtype: u16,
    /// The class.
    pub class: u16,
}

/// One resource record; its data is kept as received (names inside are not expanded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The owner name.
    pub name: Name,
    /// The record type.
    pub rtype: u16,
    /// The class (for OPT, the UDP payload size).
    pub class: u16,
    /// Time to live, in seconds.
    pub ttl: u32,
    /// The record data, at most 65 535 bytes.
    pub data: Vec<u8>,
}

/// A DNS message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repr {
    /// The id a response echoes.
    pub id: u16,
    /// The flags.
    pub flags: Flags,
    /// The questions.
    pub questions: Vec<Question>,
    /// The answer section.
    pub answers: Vec<Record>,
    /// The authority section.
    pub authority: Vec<Record>,
    /// The additional section.
    pub additional: Vec<Record>,
}

fn u16_at(bytes: &[u8], at: usize, field: &'static str) -> Result<u16, DnsError> {
    let b = bytes.get(at..at + 2).ok_or(DnsError::Truncated(field))?;
    Ok(u16::from_be_bytes([b[0], b[1]]))
}

impl Repr {
    /// Parses every section the header counts; nothing may follow the last record.
    /// Nothing is allocated ahead of the bytes that justify it.
    pub fn parse<T: AsRef<[u8]>>(packet: &Packet<T>) -> Result<Self, DnsError> {
        let bytes = packet.as_bytes();
        let mut pos = HEADER_LEN;
        let mut questions = Vec::new();
        for _ in 0..packet.question_count() {
            let (name, next) = Name::read(bytes, pos)?;
            questions.push(Question {
                name,
                rtype: u16_at(bytes, next, "question type")?,
                class: u16_at(bytes, next + 2, "question class")?,
            });
            pos = next + 4;
        }
        let [answers, authority, additional] = packet.record_counts();
        let mut sections = [Vec::new(), Vec::new(), Vec::new()];
        for (section, count) in sections.iter_mut().zip([answers, authority, additional]) {
            for _ in 0..count {
                let (name, next) = Name::read(bytes, pos)?;
                let rtype = u16_at(bytes, next, "record type")?;
                let class = u16_at(bytes, next + 2, "record class")?;
                let ttl = u32::from(u16_at(bytes, next + 4, "ttl")?) << 16 | u32::from(u16_at(bytes, next + 6, "ttl")?);
                let len = usize::from(u16_at(bytes, next + 8, "record length")?);
                let data = bytes.get(next + 10..next + 10 + len).ok_or(DnsError::Truncated("record data"))?;
                section.push(Record { name, rtype, class, ttl, data: data.to_vec() });
                pos = next + 10 + len;
            }
        }
        if pos != bytes.len() {
            return Err(DnsError::Trailing(bytes.len() - pos));
        }
        let [answers, authority, additional] = sections;
        Ok(Self { id: packet.id(), flags: packet.flags(), questions, answers, authority, additional })
    }

    fn sections(&self) -> [&[Record]; 3] {
        [&self.answers, &self.authority, &self.additional]
    }

    /// The first question's name, which later names equal to it point to.
    fn pointed(&self) -> Option<&Name> {
        self.questions.first().map(|q| &q.name)
    }

    fn name_len(&self, name: &Name, first: bool) -> usize {
        if !first && self.pointed() == Some(name) { 2 } else { name.as_bytes().len() }
    }

    /// The length of the emitted message.
    pub fn buffer_len(&self) -> usize {
        let questions: usize = self.questions.iter().enumerate().map(|(i, q)| self.name_len(&q.name, i == 0) + 4).sum();
        let records: usize = self
            .sections()
            .iter()
            .flat_map(|s| s.iter())
            .map(|r| self.name_len(&r.name, false) + 10 + r.data.len())
            .sum();
        HEADER_LEN + questions + records
    }

    /// Writes the message into the start of `buf`; names equal to the first question's
    /// are compressed to a pointer to it. Returns the length written.
    pub fn emit(&self, buf: &mut [u8]) -> Result<usize, DnsError> {
        let needed = self.buffer_len();
        if needed > usize::from(u16::MAX) {
            return Err(DnsError::TooLong("message"));
        }
        let counts = [self.questions.len(), self.answers.len(), self.authority.len(), self.additional.len()];
        if self.sections().iter().flat_map(|s| s.iter()).any(|r| r.data.len() > usize::from(u16::MAX)) {
            return Err(DnsError::TooLong("record data"));
        }
        let got = buf.len();
        let out = buf.get_mut(..needed).ok_or(DnsError::BufferTooShort { got, needed })?;
        let mut w = Cursor { out, at: 0 };
        w.put(&self.id.to_be_bytes());
        w.put(&self.flags.0.to_be_bytes());
        for count in counts {
            w.put(&u16::try_from(count).unwrap_or(u16::MAX).to_be_bytes());
        }
        for (i, q) in self.questions.iter().enumerate() {
            self.put_name(&mut w, &q.name, i == 0);
            w.put(&q.rtype.to_be_bytes());
            w.put(&q.class.to_be_bytes());
        }
        for record in self.sections().iter().flat_map(|s| s.iter()) {
            self.put_name(&mut w, &record.name, false);
            w.put(&record.rtype.to_be_bytes());
            w.put(&record.class.to_be_bytes());
            w.put(&record.ttl.to_be_bytes());
            w.put(&u16::try_from(record.data.len()).unwrap_or(u16::MAX).to_be_bytes());
            w.put(&record.data);
        }
        Ok(needed)
    }

    /// The emitted message as a vector.
    pub fn to_bytes(&self) -> Result<Vec<u8>, DnsError> {
        let mut buf = alloc::vec![0; self.buffer_len()];
        self.emit(&mut buf)?;
        Ok(buf)
    }

    fn put_name(&self, w: &mut Cursor<'_>, name: &Name, first: bool) {
        if !first && self.pointed() == Some(name) {
            w.put(&[0xC0, HEADER_LEN as u8]);
        } else {
            w.put(name.as_bytes());
        }
    }
}

struct Cursor<'a> {
    out: &'a mut [u8],
    at: usize,
}

impl Cursor<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.out[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }
}
