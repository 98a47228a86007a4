//! A segment file's contents as found at open: the records it holds, and how it ends
//! (cleanly, torn by a crash during an append, or damaged).

use crate::record::{Record, RecordError};
use std::path::{Path, PathBuf};

/// First bytes of every segment file (format version 1).
pub(crate) const MAGIC: &[u8; 8] = b"PSTRNQ\x00\x01";
/// A segment's file name suffix.
pub(crate) const SUFFIX: &str = ".seg";

/// The file of the segment whose first record is `first`.
pub(crate) fn path(dir: &Path, first: u64) -> PathBuf {
    dir.join(format!("{first:020}{SUFFIX}"))
}

/// The first sequence number a segment file's name gives.
pub(crate) fn first_of(path: &Path) -> Option<u64> {
    path.file_name()?.to_str()?.strip_suffix(SUFFIX)?.parse().ok()
}

/// A record found: its sequence number, where its frame starts and how long it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) seq: u64,
    pub(crate) offset: u64,
    pub(crate) len: u32,
}

/// How the readable records end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Ending {
    /// At the end of the file.
    Clean,
    /// At `at`, by an append a crash cut short.
    Torn { at: usize },
    /// At `at`, by damage.
    Damaged { at: usize, reason: String },
}

/// Scans a segment's bytes: records whose sequence numbers rise above `after`, whose
/// payloads `valid` accepts.
pub(crate) fn scan(
    bytes: &[u8],
    mut after: Option<u64>,
    valid: impl Fn(&[u8]) -> Result<(), String>,
) -> (Vec<Found>, Ending) {
    let mut found = Vec::new();
    if bytes.len() < MAGIC.len() {
        let ending = if MAGIC.starts_with(bytes) || zeros(bytes) {
            Ending::Torn { at: 0 }
        } else {
            Ending::Damaged { at: 0, reason: "not a queue segment".into() }
        };
        return (found, ending);
    }
    if &bytes[..MAGIC.len()] != MAGIC {
        return (found, Ending::Damaged { at: 0, reason: "not a queue segment (or another format version)".into() });
    }
    let mut at = MAGIC.len();
    while at < bytes.len() {
        let rest = &bytes[at..];
        let record = match Record::new_checked(rest) {
            Ok(record) => record,
            Err(RecordError::Truncated) => return (found, Ending::Torn { at }),
            Err(_) if zeros(rest) => return (found, Ending::Torn { at }),
            Err(RecordError::Checksum) if Record::new_unchecked(rest).total_len() == rest.len() => {
                return (found, Ending::Torn { at });
            }
            Err(e) => return (found, Ending::Damaged { at, reason: e.to_string() }),
        };
        let seq = record.seq();
        if after.is_some_and(|last| seq <= last) {
            let reason = format!("record {seq} follows record {}", after.unwrap_or_default());
            return (found, Ending::Damaged { at, reason });
        }
        if let Err(reason) = valid(record.payload()) {
            return (found, Ending::Damaged { at, reason: format!("record {seq} unreadable: {reason}") });
        }
        let len = record.total_len();
        found.push(Found { seq, offset: at as u64, len: u32::try_from(len).unwrap_or(u32::MAX) });
        after = Some(seq);
        at += len;
    }
    debug_assert_eq!(at, bytes.len());
    (found, Ending::Clean)
}

fn zeros(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| *b == 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::RecordRepr;

    fn segment(records: &[(u64, &[u8])]) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        for (seq, payload) in records {
            bytes.extend(RecordRepr { seq: *seq, payload }.to_bytes());
        }
        bytes
    }

    #[test]
    fn endings_are_told_apart() {
        let ok = |_: &[u8]| Ok(());
        let whole = segment(&[(1, b"one"), (2, b"two")]);
        let (found, ending) = scan(&whole, None, ok);
        assert_eq!((found.len(), ending), (2, Ending::Clean));

        let cut = &whole[..whole.len() - 1];
        assert_eq!(scan(cut, None, ok), (scan(cut, None, ok).0, Ending::Torn { at: 8 + 19 }));
        let mut zeroed = whole.clone();
        zeroed.extend([0; 40]);
        assert!(matches!(scan(&zeroed, None, ok).1, Ending::Torn { .. }));
        let mut last_flipped = whole.clone();
        *last_flipped.last_mut().expect("bytes") ^= 1;
        assert!(matches!(scan(&last_flipped, None, ok).1, Ending::Torn { .. }), "the last record, to the end");

        let mut first_flipped = whole.clone();
        first_flipped[8 + 17] ^= 1;
        let (found, ending) = scan(&first_flipped, None, ok);
        assert!(found.is_empty() && matches!(ending, Ending::Damaged { at: 8, .. }), "{ending:?}");

        let backwards = segment(&[(5, b"a"), (4, b"b")]);
        assert!(matches!(scan(&backwards, None, ok).1, Ending::Damaged { .. }));
        assert!(matches!(scan(&whole, Some(1), ok).1, Ending::Damaged { at: 8, .. }), "seq 1 after 1");
        let refused = scan(&whole, None, |p: &[u8]| if p == b"two" { Err("no".into()) } else { Ok(()) });
        assert_eq!(refused.0.len(), 1);
        assert!(matches!(refused.1, Ending::Damaged { .. }));
        assert!(matches!(scan(b"PSTR", None, ok).1, Ending::Torn { at: 0 }));
        assert!(matches!(scan(b"garbage-file", None, ok).1, Ending::Damaged { at: 0, .. }));
    }
}
