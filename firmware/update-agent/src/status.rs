//! `show software`: whether this is a production or a test image, both slots, their versions
//! and states, which runs, which boots next, the anti-rollback floor and the last install's
//! result.

use postern_boot_slots::{EntryState, Slot, SlotInfo, SlotVersion};
use postern_update_bundle::ImageTrust;
use std::fmt;

/// What `show software` prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoftwareStatus {
    /// The slot this system booted from.
    pub running: Slot,
    /// Whether this is a production or a test image.
    pub trust: ImageTrust,
    /// Both slots.
    pub slots: [SlotInfo; 2],
    /// The anti-rollback floor: the highest version that booted good, if one was recorded.
    pub floor: Option<u64>,
    /// The last install's result, if any.
    pub last_install: Option<String>,
    /// How the boot partition is written.
    pub boot_partition: BootPartition,
}

/// Who may write the boot partition, and how it is mounted now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BootPartition {
    /// Whether installs go through the privileged install helper.
    pub through_helper: bool,
    /// Whether it is mounted read-only now (`None`: not a mount point).
    pub read_only: Option<bool>,
}

impl fmt::Display for BootPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mounted = match self.read_only {
            Some(true) => "mounted read-only",
            Some(false) => "mounted read-write",
            None => "not a mount point",
        };
        let writer = if self.through_helper {
            "written only by the install helper"
        } else {
            "written by the daemon itself (no install helper)"
        };
        write!(f, "{mounted}, {writer}")
    }
}

impl SoftwareStatus {
    /// The slot the boot loader picks next: the newest slot that is not bad (as
    /// systemd-boot sorts entries by version and puts bad ones last).
    pub fn boots_next(&self) -> Option<Slot> {
        let number = |s: &SlotInfo| s.version.as_ref().map_or(0, |v| v.number);
        let bootable =
            self.slots.iter().filter(|s| matches!(s.state, Some(EntryState::Good | EntryState::Pending { .. })));
        bootable.max_by_key(|s| number(s)).or_else(|| self.slots.iter().find(|s| s.state.is_some())).map(|s| s.slot)
    }
}

fn version(v: Option<&SlotVersion>) -> String {
    v.map_or_else(|| "-".to_owned(), |v| format!("{} ({})", v.string, v.number))
}

impl fmt::Display for SoftwareStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let next = self.boots_next();
        writeln!(f, "Image: {}", self.trust.summary())?;
        writeln!(f, "{:<5} {:<28} State", "Slot", "Version")?;
        for s in &self.slots {
            let mut state = match s.state {
                None => "empty (no boot entry)".to_owned(),
                Some(EntryState::Good) => "good".to_owned(),
                Some(EntryState::Pending { left }) => format!("pending: on trial, {left} boot(s) left"),
                Some(EntryState::Bad) => "bad: failed its tries or rolled back".to_owned(),
            };
            if s.slot == self.running {
                state.push_str(", running");
            }
            if next == Some(s.slot) {
                state.push_str(", boots next");
            }
            writeln!(f, "{:<5} {:<28} {state}", s.slot.name(), version(s.version.as_ref()))?;
        }
        match self.floor {
            Some(floor) => writeln!(f, "Highest version proven good: {floor} (bundles not newer are refused)")?,
            None => writeln!(f, "Highest version proven good: none yet")?,
        }
        writeln!(f, "Boot partition: {}", self.boot_partition)?;
        write!(f, "Last install: {}", self.last_install.as_deref().unwrap_or("none"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(slot: Slot, number: u64, state: Option<EntryState>) -> SlotInfo {
        SlotInfo { slot, version: Some(SlotVersion { number, string: format!("r{number}") }), state }
    }

    #[test]
    fn the_newest_slot_that_is_not_bad_boots_next() {
        let mut status = SoftwareStatus {
            running: Slot::A,
            trust: ImageTrust::Test,
            slots: [info(Slot::A, 1, Some(EntryState::Good)), info(Slot::B, 2, Some(EntryState::Pending { left: 3 }))],
            floor: Some(1),
            last_install: Some("installed r2 into slot b".into()),
            boot_partition: BootPartition { through_helper: true, read_only: Some(true) },
        };
        assert_eq!(status.boots_next(), Some(Slot::B));
        let text = status.to_string();
        assert!(
            text.starts_with("Image: TEST (trusts the public test signing key; never use in production)\n"),
            "{text}"
        );
        assert!(text.contains("Highest version proven good: 1 (bundles not newer are refused)"), "{text}");
        assert!(text.contains("Boot partition: mounted read-only, written only by the install helper\n"), "{text}");
        status.trust = ImageTrust::Production;
        assert!(status.to_string().starts_with("Image: production\n"));
        assert!(text.contains("good, running"), "{text}");
        assert!(text.contains("pending: on trial, 3 boot(s) left, boots next"), "{text}");
        status.slots[1].state = Some(EntryState::Bad);
        assert_eq!(status.boots_next(), Some(Slot::A));
        status.slots[1].state = None;
        assert_eq!(status.boots_next(), Some(Slot::A));
    }
}
