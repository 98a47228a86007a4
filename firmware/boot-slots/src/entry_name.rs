//! Boot entry file names with systemd-boot's tries counters
//! (`postern-b+3.conf`, `postern-b+2-1.conf`, `postern-b.conf`).
//!
//! systemd-boot decrements the counter in the name each time it boots an entry; one with
//! no tries left is bad and sorted last, so the other slot boots. The appliance removes
//! the counter once the booted system is healthy: the entry is then good for good.

use crate::Slot;

/// A slot's boot entry, by file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryName {
    /// The slot it boots.
    pub slot: Slot,
    /// Tries left and tries done, when still being assessed.
    pub counter: Option<(u32, u32)>,
}

/// What boot assessment says about an entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryState {
    /// Passed its health check (no counter).
    Good,
    /// Being tried: this many boots left.
    Pending {
        /// Boots left before it is given up.
        left: u32,
    },
    /// Out of tries: systemd-boot boots it only if nothing else is there.
    Bad,
}

impl EntryName {
    /// A new entry to try `tries` times.
    pub fn pending(slot: Slot, tries: u32) -> Self {
        Self { slot, counter: Some((tries, 0)) }
    }

    /// Parses `postern-<slot>[+LEFT[-DONE]].conf`.
    pub fn parse(file_name: &str) -> Option<Self> {
        let stem = file_name.strip_suffix(".conf")?.strip_prefix("postern-")?;
        let (slot, counter) = match stem.split_once('+') {
            None => (stem, None),
            Some((slot, counter)) => {
                let (left, done) = match counter.split_once('-') {
                    Some((left, done)) => (left.parse().ok()?, done.parse().ok()?),
                    None => (counter.parse().ok()?, 0),
                };
                (slot, Some((left, done)))
            }
        };
        Some(Self { slot: Slot::from_name(slot)?, counter })
    }

    /// The file name.
    pub fn file_name(&self) -> String {
        match self.counter {
            None => format!("postern-{}.conf", self.slot),
            Some((left, 0)) => format!("postern-{}+{left}.conf", self.slot),
            Some((left, done)) => format!("postern-{}+{left}-{done}.conf", self.slot),
        }
    }

    /// Its assessment.
    pub fn state(&self) -> EntryState {
        match self.counter {
            None => EntryState::Good,
            Some((0, _)) => EntryState::Bad,
            Some((left, _)) => EntryState::Pending { left },
        }
    }

    /// The same entry, good.
    pub fn good(self) -> Self {
        Self { counter: None, ..self }
    }

    /// The same entry, out of tries.
    pub fn bad(self) -> Self {
        let done = self.counter.map_or(0, |(left, done)| left + done);
        Self { counter: Some((0, done)), ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_through_every_counter_form() {
        for name in ["postern-a.conf", "postern-b+3.conf", "postern-b+2-1.conf", "postern-a+0-3.conf"] {
            let entry = EntryName::parse(name).expect(name);
            assert_eq!(entry.file_name(), name);
        }
    }

    #[test]
    fn states_follow_the_counter() {
        assert_eq!(EntryName::parse("postern-a.conf").map(|e| e.state()), Some(EntryState::Good));
        assert_eq!(EntryName::parse("postern-b+2-1.conf").map(|e| e.state()), Some(EntryState::Pending { left: 2 }));
        assert_eq!(EntryName::parse("postern-b+0-3.conf").map(|e| e.state()), Some(EntryState::Bad));
    }

    #[test]
    fn good_and_bad_rename_as_systemd_boot_expects() {
        let pending = EntryName::parse("postern-b+1-2.conf").expect("pending");
        assert_eq!(pending.good().file_name(), "postern-b.conf");
        assert_eq!(pending.bad().file_name(), "postern-b+0-3.conf");
        assert_eq!(EntryName::parse("postern-a.conf").expect("good").bad().file_name(), "postern-a+0.conf");
        assert_eq!(EntryName::pending(Slot::B, 3).file_name(), "postern-b+3.conf");
    }

    #[test]
    fn other_files_are_not_entries() {
        for name in
            ["loader.conf", "postern-c.conf", "postern-a+x.conf", "postern-a", "postern-a+1-y.conf", "other-a.conf"]
        {
            assert_eq!(EntryName::parse(name), None, "{name}");
        }
    }
}
