//! The two system slots.

/// The kernel command-line key naming the slot that was booted (`postern.slot=a`).
pub const CMDLINE_KEY: &str = "postern.slot";

/// One of the two system slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    /// Slot A.
    A,
    /// Slot B.
    B,
}

impl Slot {
    /// Both slots.
    pub const ALL: [Slot; 2] = [Slot::A, Slot::B];

    /// `a` or `b`.
    pub fn name(self) -> &'static str {
        match self {
            Slot::A => "a",
            Slot::B => "b",
        }
    }

    /// The other slot.
    pub fn other(self) -> Slot {
        match self {
            Slot::A => Slot::B,
            Slot::B => Slot::A,
        }
    }

    /// `a` → A, `b` → B.
    pub fn from_name(name: &str) -> Option<Slot> {
        match name {
            "a" => Some(Slot::A),
            "b" => Some(Slot::B),
            _ => None,
        }
    }

    /// The slot named on a kernel command line (`… postern.slot=b …`).
    pub fn from_cmdline(cmdline: &str) -> Option<Slot> {
        cmdline
            .split_whitespace()
            .find_map(|word| word.strip_prefix(CMDLINE_KEY)?.strip_prefix('='))
            .and_then(Slot::from_name)
    }
}

impl core::fmt::Display for Slot {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_booted_slot_is_read_from_the_command_line() {
        assert_eq!(Slot::from_cmdline("console=ttyS0 postern.slot=b quiet"), Some(Slot::B));
        assert_eq!(Slot::from_cmdline("postern.slot=a"), Some(Slot::A));
        assert_eq!(Slot::from_cmdline("postern.slot=c"), None);
        assert_eq!(Slot::from_cmdline("postern.slotx=a"), None);
        assert_eq!(Slot::from_cmdline("console=ttyS0"), None);
    }
}
