//! One record's frame on disk: `length u32 | crc32 u32 | sequence u64 | payload`, all
//! little-endian; the CRC-32 covers the sequence number and the payload.

/// Bytes before the payload.
pub const HEADER_LEN: usize = 16;
/// Largest payload a record may carry.
pub const MAX_PAYLOAD: usize = 256 * 1024;

const LEN: core::ops::Range<usize> = 0..4;
const CRC: core::ops::Range<usize> = 4..8;
const SEQ: core::ops::Range<usize> = 8..16;

/// Why bytes are not a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// The buffer ends before the header or the payload does.
    #[error("the record is cut short")]
    Truncated,
    /// The length field exceeds [`MAX_PAYLOAD`].
    #[error("the record claims {0} bytes of payload; at most {MAX_PAYLOAD}")]
    TooLong(u32),
    /// The CRC-32 does not match.
    #[error("the record's checksum does not match")]
    Checksum,
}

/// A record frame over a byte buffer (which may run on past the record).
#[derive(Debug, Clone)]
pub struct Record<T: AsRef<[u8]>> {
    buffer: T,
}

fn le_u32(bytes: &[u8]) -> u32 {
    let mut word = [0; 4];
    word.copy_from_slice(bytes);
    u32::from_le_bytes(word)
}

impl<T: AsRef<[u8]>> Record<T> {
    /// Wraps `buffer` without checking it.
    pub const fn new_unchecked(buffer: T) -> Self {
        Self { buffer }
    }

    /// Wraps `buffer` after checking that a whole record with a matching checksum starts it.
    pub fn new_checked(buffer: T) -> Result<Self, RecordError> {
        let record = Self::new_unchecked(buffer);
        record.check()?;
        Ok(record)
    }

    fn check(&self) -> Result<(), RecordError> {
        let bytes = self.buffer.as_ref();
        if bytes.len() < HEADER_LEN {
            return Err(RecordError::Truncated);
        }
        let len = self.payload_len();
        if len as usize > MAX_PAYLOAD {
            return Err(RecordError::TooLong(len));
        }
        if bytes.len() < self.total_len() {
            return Err(RecordError::Truncated);
        }
        if crc(&bytes[SEQ.start..self.total_len()]) != self.checksum() {
            return Err(RecordError::Checksum);
        }
        Ok(())
    }

    /// The payload's length field.
    pub fn payload_len(&self) -> u32 {
        le_u32(&self.buffer.as_ref()[LEN])
    }

    /// The checksum field.
    pub fn checksum(&self) -> u32 {
        le_u32(&self.buffer.as_ref()[CRC])
    }

    /// The sequence number.
    pub fn seq(&self) -> u64 {
        let mut word = [0; 8];
        word.copy_from_slice(&self.buffer.as_ref()[SEQ]);
        u64::from_le_bytes(word)
    }

    /// Header and payload, in bytes.
    pub fn total_len(&self) -> usize {
        HEADER_LEN + self.payload_len() as usize
    }

    /// The payload.
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..self.total_len()]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Record<T> {
    fn set(&mut self, at: core::ops::Range<usize>, bytes: &[u8]) {
        self.buffer.as_mut()[at].copy_from_slice(bytes);
    }
}

fn crc(bytes: &[u8]) -> u32 {
    crc32fast::hash(bytes)
}

/// A record's contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordRepr<'a> {
    /// Its sequence number.
    pub seq: u64,
    /// Its payload.
    pub payload: &'a [u8],
}

impl<'a> RecordRepr<'a> {
    /// Reads a checked record.
    pub fn parse(record: &Record<&'a [u8]>) -> Result<Self, RecordError> {
        record.check()?;
        let bytes: &'a [u8] = record.buffer;
        Ok(Self { seq: record.seq(), payload: &bytes[HEADER_LEN..record.total_len()] })
    }

    /// Bytes [`emit`](Self::emit) writes.
    pub fn buffer_len(&self) -> usize {
        HEADER_LEN + self.payload.len()
    }

    /// Writes the record at the start of `record`'s buffer, which holds at least
    /// [`buffer_len`](Self::buffer_len) bytes; the payload is at most [`MAX_PAYLOAD`].
    pub fn emit<T: AsRef<[u8]> + AsMut<[u8]>>(&self, record: &mut Record<T>) {
        let len = u32::try_from(self.payload.len()).unwrap_or(u32::MAX);
        record.set(LEN, &len.to_le_bytes());
        record.set(SEQ, &self.seq.to_le_bytes());
        record.set(HEADER_LEN..self.buffer_len(), self.payload);
        let sum = crc(&record.buffer.as_ref()[SEQ.start..self.buffer_len()]);
        record.set(CRC, &sum.to_le_bytes());
    }

    /// The record as a new buffer.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = vec![0; self.buffer_len()];
        self.emit(&mut Record::new_unchecked(&mut bytes[..]));
        bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_cut_and_every_flipped_bit_is_refused() {
        let bytes = RecordRepr { seq: 7, payload: b"{\"a\":1}" }.to_bytes();
        for cut in 0..bytes.len() {
            assert_eq!(Record::new_checked(&bytes[..cut]).err(), Some(RecordError::Truncated), "cut at {cut}");
        }
        for bit in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[bit / 8] ^= 1 << (bit % 8);
            assert!(Record::new_checked(&flipped[..]).is_err(), "bit {bit} flipped");
        }
    }

    proptest! {
        #[test]
        fn emit_then_parse_gives_back_the_repr(seq: u64, payload in proptest::collection::vec(any::<u8>(), 0..300), tail in proptest::collection::vec(any::<u8>(), 0..20)) {
            let mut bytes = RecordRepr { seq, payload: &payload }.to_bytes();
            let len = bytes.len();
            bytes.extend_from_slice(&tail);
            let record = Record::new_checked(&bytes[..]).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(record.total_len(), len);
            let repr = RecordRepr::parse(&record).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(repr, RecordRepr { seq, payload: &payload });
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(record) = Record::new_checked(&bytes[..]) {
                prop_assert!(RecordRepr::parse(&record).is_ok());
            }
        }
    }
}
