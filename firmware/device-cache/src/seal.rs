//! The seal: a small file beside the store that holds the sequence number of the last
//! acknowledged write.
//!
//! sled recovers from a damaged log by silently dropping everything from the first bad
//! entry on, so a damaged store can open "fine" with acknowledged writes missing. Every
//! write also stores its sequence number inside the store; the seal is updated after the
//! store's flush. At open, a store whose sequence number is behind the seal has lost
//! acknowledged writes and is treated as damaged.

use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::Path;

/// The seal's file name inside the cache directory.
pub(crate) const SEAL_FILE: &str = "postern-seal";

const MAGIC: &[u8; 8] = b"PSTNSEAL";
const LEN: usize = 24;

/// What the seal file says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SealState {
    /// There is no seal file.
    Absent,
    /// The last acknowledged write had this sequence number.
    Sealed(u64),
    /// The seal file is damaged.
    Unreadable(String),
}

fn encode(seq: u64) -> [u8; LEN] {
    let mut out = [0u8; LEN];
    out[..8].copy_from_slice(MAGIC);
    out[8..16].copy_from_slice(&seq.to_le_bytes());
    out[16..].copy_from_slice(&(!seq).to_le_bytes());
    out
}

fn decode(bytes: &[u8]) -> Option<u64> {
    let (magic, rest) = bytes.split_at_checked(8)?;
    let (seq, check) = rest.split_at_checked(8)?;
    let seq = u64::from_le_bytes(seq.try_into().ok()?);
    let check = u64::from_le_bytes(check.try_into().ok()?);
    (magic == MAGIC && check == !seq).then_some(seq)
}

/// Reads the seal in `dir`.
pub(crate) fn read_seal(dir: &Path) -> SealState {
    match std::fs::read(dir.join(SEAL_FILE)) {
        Ok(bytes) => match decode(&bytes) {
            Some(seq) => SealState::Sealed(seq),
            None => SealState::Unreadable(format!("{} bytes that are not a seal", bytes.len())),
        },
        Err(e) if e.kind() == io::ErrorKind::NotFound => SealState::Absent,
        Err(e) => SealState::Unreadable(e.to_string()),
    }
}

/// An open seal file.
pub(crate) struct Seal {
    file: File,
}

impl Seal {
    /// Opens (creating if needed) the seal in `dir` and writes `seq` to it durably.
    pub(crate) fn create(dir: &Path, seq: u64) -> io::Result<Self> {
        let file = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(dir.join(SEAL_FILE))?;
        let seal = Self { file };
        seal.write(seq)?;
        seal.file.sync_all()?;
        Ok(seal)
    }

    /// Records `seq` as the last acknowledged write. One small positioned write: a killed
    /// process cannot tear it, and the kernel keeps it even without a sync. After a power
    /// loss the seal may lag the store, which the check at open allows.
    pub(crate) fn write(&self, seq: u64) -> io::Result<()> {
        self.file.write_all_at(&encode(seq), 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trips_and_rejects_garbage() {
        let dir = tempfile::tempdir().expect("temp dir");
        assert_eq!(read_seal(dir.path()), SealState::Absent);
        let seal = Seal::create(dir.path(), 7).expect("seal created");
        assert_eq!(read_seal(dir.path()), SealState::Sealed(7));
        seal.write(u64::MAX - 1).expect("seal written");
        assert_eq!(read_seal(dir.path()), SealState::Sealed(u64::MAX - 1));
        std::fs::write(dir.path().join(SEAL_FILE), b"PSTNSEAL\x01\0\0\0\0\0\0\0\x01\0\0\0\0\0\0\0").expect("overwrite");
        assert!(matches!(read_seal(dir.path()), SealState::Unreadable(_)));
        std::fs::write(dir.path().join(SEAL_FILE), b"short").expect("overwrite");
        assert!(matches!(read_seal(dir.path()), SealState::Unreadable(_)));
    }
}
