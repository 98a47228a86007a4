//! The pinned deny list: devices and users an operator blocked, and devices the UEM
//! reported wiped. Kept apart from the device cache, so no eviction, cache clear or UEM
//! answer forgets or lifts an entry; it refuses devices never seen. Persisted as one line
//! per entry, written atomically at every change.

use crate::error::GatewayError;
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The most entries the list holds; a block beyond it is refused.
pub const MAX_BLOCKS: usize = 100_000;
/// The longest id or user a block may name.
const ID_MAX: usize = 256;

/// What a block names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockTarget {
    /// A device by its ActiveSync device id or its UEM device id.
    Device(String),
    /// Every device of a user.
    User(String),
}

impl BlockTarget {
    /// A device target, checked (1 to 256 printable characters, no spaces).
    pub fn device(id: &str) -> Result<Self, GatewayError> {
        checked(id).map(|id| Self::Device(id.to_owned()))
    }

    /// A user target, checked like a device id; users compare without regard to case.
    pub fn user(name: &str) -> Result<Self, GatewayError> {
        checked(name).map(|name| Self::User(name.to_lowercase()))
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Device(_) => "device",
            Self::User(_) => "user",
        }
    }

    /// The device id or user name blocked.
    pub fn id(&self) -> &str {
        match self {
            Self::Device(id) | Self::User(id) => id,
        }
    }
}

impl fmt::Display for BlockTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.kind(), self.id())
    }
}

fn checked(id: &str) -> Result<&str, GatewayError> {
    if id.is_empty()
        || id.len() > ID_MAX
        || !id.chars().all(|c| c.is_ascii_graphic() || (!c.is_ascii() && !c.is_control()))
    {
        return Err(GatewayError::Identifier(format!(
            "a block names 1 to {ID_MAX} printable characters without spaces, not {id:?}"
        )));
    }
    Ok(id)
}

/// Who put a block in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlockOrigin {
    /// An operator (`device-cache block`); only `device-cache unblock` lifts it.
    Operator,
    /// The UEM reported the device wiped: final, nothing lifts it but a fresh enrolment.
    Wiped,
}

impl BlockOrigin {
    fn code(self) -> &'static str {
        match self {
            Self::Operator => "operator",
            Self::Wiped => "wiped",
        }
    }
}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinnedBlock {
    /// What it names.
    pub target: BlockTarget,
    /// Who put it there.
    pub origin: BlockOrigin,
    /// When (Unix milliseconds).
    pub since_ms: u64,
    /// The operator's user name, or `uem`.
    pub by: String,
}

/// The list, with the file it is kept in (none: in memory only).
#[derive(Debug, Default)]
pub struct BlockList {
    file: Option<PathBuf>,
    entries: BTreeMap<BlockTarget, PinnedBlock>,
}

impl BlockList {
    /// A list kept in memory only (tests, tools).
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// The list kept in `file` (none yet is an empty list). A line that cannot be read is
    /// skipped and reported, and the file as found is kept beside it as `<file>.damaged`,
    /// so nothing is lost.
    pub fn open(file: &Path) -> Result<Self, GatewayError> {
        let mut list = Self { file: Some(file.to_owned()), entries: BTreeMap::new() };
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(list),
            Err(e) => return Err(GatewayError::Blocks(format!("reading {}: {e}", file.display()))),
        };
        let mut damaged = 0;
        for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            match parse_line(line) {
                Some(block) => {
                    list.entries.insert(block.target.clone(), block);
                }
                None => {
                    damaged += 1;
                    tracing::error!(file = %file.display(), line = n + 1, "unreadable block entry skipped");
                }
            }
        }
        if damaged > 0 {
            let aside = file.with_extension("damaged");
            std::fs::copy(file, &aside)
                .map_err(|e| GatewayError::Blocks(format!("keeping {}: {e}", aside.display())))?;
            tracing::error!(damaged, kept = %aside.display(), "the block list had damaged lines; the file as found is kept");
        }
        Ok(list)
    }

    /// The block that applies to a device with these identities, if any.
    pub fn matching(
        &self,
        eas_device_id: Option<&str>,
        uem_device_id: Option<&str>,
        user: Option<&str>,
    ) -> Option<&PinnedBlock> {
        if self.entries.is_empty() {
            return None;
        }
        let device = |id: &str| self.entries.get(&BlockTarget::Device(id.to_owned()));
        eas_device_id
            .and_then(device)
            .or_else(|| uem_device_id.and_then(device))
            .or_else(|| user.and_then(|u| self.entries.get(&BlockTarget::User(u.to_lowercase()))))
    }

    /// Adds (or keeps) a block and writes the list; returns whether it is new. A wiped
    /// entry is never replaced by an operator one.
    pub fn insert(&mut self, block: PinnedBlock) -> Result<bool, GatewayError> {
        if let Some(existing) = self.entries.get(&block.target) {
            if existing.origin == BlockOrigin::Wiped || existing.origin == block.origin {
                return Ok(false);
            }
        } else if self.entries.len() >= MAX_BLOCKS {
            return Err(GatewayError::Blocks(format!("the block list is full ({MAX_BLOCKS} entries)")));
        }
        self.entries.insert(block.target.clone(), block);
        self.save()?;
        Ok(true)
    }

    /// Lifts an operator's block; a wiped entry stays. Returns whether one was lifted.
    pub fn remove_operator(&mut self, target: &BlockTarget) -> Result<bool, GatewayError> {
        match self.entries.get(target) {
            Some(b) if b.origin == BlockOrigin::Operator => {
                self.entries.remove(target);
                self.save()?;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    /// The entry for `target`, if any.
    pub fn get(&self, target: &BlockTarget) -> Option<&PinnedBlock> {
        self.entries.get(target)
    }

    /// Every entry, in order.
    pub fn entries(&self) -> impl Iterator<Item = &PinnedBlock> {
        self.entries.values()
    }

    /// How many entries there are.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the list is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn save(&self) -> Result<(), GatewayError> {
        let Some(file) = &self.file else { return Ok(()) };
        let text: String = self
            .entries
            .values()
            .map(|b| format!("{}\t{}\t{}\t{}\t{}\n", b.target.kind(), b.origin.code(), b.since_ms, b.by, b.target.id()))
            .collect();
        postern_durable_fs::write_atomically(file, text.as_bytes(), 0o600)
            .map_err(|e| GatewayError::Blocks(format!("writing {}: {e}", file.display())))
    }
}

fn parse_line(line: &str) -> Option<PinnedBlock> {
    let mut fields = line.splitn(5, '\t');
    let (kind, origin, since, by, id) =
        (fields.next()?, fields.next()?, fields.next()?, fields.next()?, fields.next()?);
    let target = match kind {
        "device" => BlockTarget::device(id).ok()?,
        "user" => BlockTarget::user(id).ok()?,
        _ => return None,
    };
    let origin = match origin {
        "operator" => BlockOrigin::Operator,
        "wiped" => BlockOrigin::Wiped,
        _ => return None,
    };
    Some(PinnedBlock { target, origin, since_ms: since.parse().ok()?, by: checked(by).ok()?.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(target: BlockTarget, origin: BlockOrigin) -> PinnedBlock {
        PinnedBlock { target, origin, since_ms: 5, by: "admin".into() }
    }

    #[test]
    fn blocks_match_by_device_id_uem_id_or_user_and_survive_a_reopen() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("blocks");
        let mut list = BlockList::open(&file).expect("empty");
        assert!(
            list.insert(block(BlockTarget::device("ApplXYZ").expect("id"), BlockOrigin::Operator)).expect("insert")
        );
        assert!(
            list.insert(block(BlockTarget::user("Bob@Example.com").expect("user"), BlockOrigin::Operator))
                .expect("insert")
        );
        assert!(list.insert(block(BlockTarget::device("uem-7").expect("id"), BlockOrigin::Wiped)).expect("insert"));
        let list = BlockList::open(&file).expect("reopen");
        assert_eq!(list.len(), 3);
        assert!(list.matching(Some("ApplXYZ"), None, None).is_some());
        assert!(list.matching(Some("other"), Some("uem-7"), None).is_some_and(|b| b.origin == BlockOrigin::Wiped));
        assert!(list.matching(Some("other"), None, Some("bob@example.COM")).is_some());
        assert!(list.matching(Some("other"), Some("uem-8"), Some("alice")).is_none());
    }

    #[test]
    fn only_operator_blocks_are_lifted_and_wiped_is_final() {
        let mut list = BlockList::in_memory();
        let wiped = BlockTarget::device("uem-7").expect("id");
        list.insert(block(wiped.clone(), BlockOrigin::Wiped)).expect("insert");
        assert!(!list.insert(block(wiped.clone(), BlockOrigin::Operator)).expect("kept"), "wiped is not replaced");
        assert!(!list.remove_operator(&wiped).expect("remove"), "wiped is not lifted");
        let op = BlockTarget::device("ApplXYZ").expect("id");
        list.insert(block(op.clone(), BlockOrigin::Operator)).expect("insert");
        assert!(list.remove_operator(&op).expect("remove"));
        assert_eq!(list.len(), 1);
    }

    #[test]
    fn damaged_lines_are_skipped_and_the_file_kept_aside() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("blocks");
        std::fs::write(&file, "device\toperator\t5\tadmin\tApplXYZ\ngarbage line\nuser\tnobody-knows\t1\tx\ty\n")
            .expect("write");
        let list = BlockList::open(&file).expect("open");
        assert_eq!(list.len(), 1);
        assert!(dir.path().join("blocks.damaged").exists());
        for bad in ["", "two words", &"x".repeat(257), "tab\there"] {
            assert!(BlockTarget::device(bad).is_err(), "{bad:?}");
        }
    }
}
