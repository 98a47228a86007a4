//! The EFI system partition's layout: `loader/entries/postern-<slot>….conf` and
//! `postern/<slot>/{vmlinuz,rootfs.cpio.gz,cmdline,version}`.

use crate::{EntryName, EntryState, Slot, SlotError};
use postern_durable_fs::{sync_dir, write_atomically};
use std::path::{Path, PathBuf};

/// A slot's version as its `version` file records it: `NUMBER STRING`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotVersion {
    /// The monotonic version number.
    pub number: u64,
    /// The human version string.
    pub string: String,
}

/// What the partition says about one slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotInfo {
    /// The slot.
    pub slot: Slot,
    /// Its version, if it holds a system.
    pub version: Option<SlotVersion>,
    /// Its boot entry's assessment; `None` when it has no entry (not bootable).
    pub state: Option<EntryState>,
}

/// The text of a slot's boot entry. `sort-key` and `version` make systemd-boot prefer the
/// newest slot that is not bad.
pub fn entry_text(slot: Slot, version: &SlotVersion, cmdline: &str) -> String {
    format!(
        "title Postern {} (slot {slot})\nsort-key postern\nversion {}\nlinux /postern/{slot}/vmlinuz\ninitrd /postern/{slot}/rootfs.cpio.gz\noptions {} {}={slot}\n",
        version.string,
        version.number,
        cmdline.trim(),
        crate::CMDLINE_KEY,
    )
}

/// The mounted EFI system partition.
#[derive(Debug, Clone)]
pub struct Esp {
    root: PathBuf,
}

impl Esp {
    /// The partition mounted at `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Where boot entries live.
    pub fn entries_dir(&self) -> PathBuf {
        self.root.join("loader/entries")
    }

    /// Where a slot's files live.
    pub fn slot_dir(&self, slot: Slot) -> PathBuf {
        self.root.join("postern").join(slot.name())
    }

    /// A slot's boot entry, if it has one.
    pub fn entry(&self, slot: Slot) -> Result<Option<EntryName>, SlotError> {
        let dir = self.entries_dir();
        let listing =
            std::fs::read_dir(&dir).map_err(|source| SlotError::Io { what: "listing", path: dir.clone(), source })?;
        for item in listing {
            let item = item.map_err(|source| SlotError::Io { what: "listing", path: dir.clone(), source })?;
            if let Some(entry) = item.file_name().to_str().and_then(EntryName::parse) {
                if entry.slot == slot {
                    return Ok(Some(entry));
                }
            }
        }
        Ok(None)
    }

    /// Marks a slot's entry good (removes its counter); returns whether it changed.
    pub fn mark_good(&self, slot: Slot) -> Result<bool, SlotError> {
        let entry = self.entry(slot)?.ok_or(SlotError::NoEntry { slot })?;
        if entry.state() == EntryState::Good {
            return Ok(false);
        }
        self.rename_entry(entry, entry.good())?;
        Ok(true)
    }

    /// Marks a slot's entry bad (no tries left): systemd-boot then prefers the other slot.
    pub fn mark_bad(&self, slot: Slot) -> Result<(), SlotError> {
        let entry = self.entry(slot)?.ok_or(SlotError::NoEntry { slot })?;
        if entry.state() != EntryState::Bad {
            self.rename_entry(entry, entry.bad())?;
        }
        Ok(())
    }

    /// Removes a slot's entry, so that it is not booted while its files change.
    pub fn remove_entry(&self, slot: Slot) -> Result<(), SlotError> {
        if let Some(entry) = self.entry(slot)? {
            let path = self.entries_dir().join(entry.file_name());
            std::fs::remove_file(&path).map_err(|source| SlotError::Io { what: "removing", path, source })?;
            sync_dir(&self.entries_dir())?;
        }
        Ok(())
    }

    /// Writes a slot's entry, to be tried `tries` times (or good with `None`).
    pub fn write_entry(
        &self,
        slot: Slot,
        version: &SlotVersion,
        cmdline: &str,
        tries: Option<u32>,
    ) -> Result<(), SlotError> {
        self.remove_entry(slot)?;
        let name = match tries {
            Some(tries) => EntryName::pending(slot, tries),
            None => EntryName { slot, counter: None },
        };
        write_atomically(
            &self.entries_dir().join(name.file_name()),
            entry_text(slot, version, cmdline).as_bytes(),
            0o644,
        )?;
        Ok(())
    }

    /// The version recorded in a slot's directory.
    pub fn version(&self, slot: Slot) -> Option<SlotVersion> {
        let text = std::fs::read_to_string(self.slot_dir(slot).join("version")).ok()?;
        let (number, string) = text.trim().split_once(' ')?;
        Some(SlotVersion { number: number.parse().ok()?, string: string.to_owned() })
    }

    /// Records a slot's version.
    pub fn write_version(&self, slot: Slot, version: &SlotVersion) -> Result<(), SlotError> {
        let path = self.slot_dir(slot).join("version");
        write_atomically(&path, format!("{} {}\n", version.number, version.string).as_bytes(), 0o644)?;
        Ok(())
    }

    /// What the partition says about both slots.
    pub fn slots(&self) -> Result<[SlotInfo; 2], SlotError> {
        let info = |slot| -> Result<SlotInfo, SlotError> {
            Ok(SlotInfo { slot, version: self.version(slot), state: self.entry(slot)?.map(|e| e.state()) })
        };
        Ok([info(Slot::A)?, info(Slot::B)?])
    }

    fn rename_entry(&self, from: EntryName, to: EntryName) -> Result<(), SlotError> {
        let dir = self.entries_dir();
        let (old, new) = (dir.join(from.file_name()), dir.join(to.file_name()));
        std::fs::rename(&old, &new).map_err(|source| SlotError::Io { what: "renaming", path: old, source })?;
        sync_dir(&dir)?;
        Ok(())
    }

    /// The partition's root.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esp() -> (tempfile::TempDir, Esp) {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::create_dir_all(dir.path().join("loader/entries")).expect("entries");
        for slot in Slot::ALL {
            std::fs::create_dir_all(dir.path().join("postern").join(slot.name())).expect("slot dir");
        }
        let esp = Esp::new(dir.path());
        (dir, esp)
    }

    fn v(number: u64) -> SlotVersion {
        SlotVersion { number, string: format!("0.{number}") }
    }

    #[test]
    fn a_new_slot_is_pending_until_marked_good() {
        let (_dir, esp) = esp();
        esp.write_entry(Slot::A, &v(1), "console=ttyS0", None).expect("a");
        esp.write_entry(Slot::B, &v(2), "console=ttyS0", Some(3)).expect("b");
        esp.write_version(Slot::B, &v(2)).expect("version");
        let [a, b] = esp.slots().expect("slots");
        assert_eq!(a.state, Some(EntryState::Good));
        assert_eq!(b.state, Some(EntryState::Pending { left: 3 }));
        assert_eq!(b.version, Some(v(2)));
        assert!(esp.mark_good(Slot::B).expect("mark"));
        assert!(!esp.mark_good(Slot::B).expect("again"));
        assert_eq!(esp.entry(Slot::B).expect("entry").map(|e| e.state()), Some(EntryState::Good));
    }

    #[test]
    fn the_entry_boots_its_own_slot_and_names_it_on_the_command_line() {
        let text = entry_text(Slot::B, &v(7), "console=ttyS0 quiet\n");
        assert!(text.contains("linux /postern/b/vmlinuz\n"));
        assert!(text.contains("initrd /postern/b/rootfs.cpio.gz\n"));
        assert!(text.contains("options console=ttyS0 quiet postern.slot=b\n"));
        assert!(text.contains("version 7\n"));
    }

    #[test]
    fn a_bad_slot_stays_bad_and_a_removed_one_has_no_state() {
        let (_dir, esp) = esp();
        esp.write_entry(Slot::B, &v(2), "x", Some(3)).expect("b");
        esp.mark_bad(Slot::B).expect("bad");
        assert_eq!(esp.entry(Slot::B).expect("entry").map(|e| e.file_name()), Some("postern-b+0-3.conf".into()));
        esp.remove_entry(Slot::B).expect("remove");
        assert_eq!(esp.slots().expect("slots")[1].state, None);
        assert!(matches!(esp.mark_good(Slot::B), Err(SlotError::NoEntry { slot: Slot::B })));
    }
}
