//! Whether a pin moves: to what the archive offers when that is newer, never backwards.

use crate::debian::version;
use std::cmp::Ordering;

/// What becomes of one pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Decision {
    /// The archive offers what is pinned.
    Keep,
    /// The archive offers something newer: move to it.
    Move,
    /// The archive offers only something older (apt's lists may be stale): keep the pin.
    Older,
}

/// A pin's position: the kernel's ABI number (0 for other packages) and the version.
pub(crate) type Rank<'a> = (u32, &'a str);

/// Compares the pinned rank with the offered one: a higher ABI wins, then Debian's
/// version order.
pub(crate) fn decide(pinned: Rank<'_>, offered: Rank<'_>) -> Decision {
    match pinned.0.cmp(&offered.0).then_with(|| version::compare(pinned.1, offered.1)) {
        Ordering::Equal => Decision::Keep,
        Ordering::Less => Decision::Move,
        Ordering::Greater => Decision::Older,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_abi_or_version_moves_the_pin_and_nothing_moves_it_back() {
        assert_eq!(decide((48, "6.1.172-1"), (57, "6.1.192-3")), Decision::Move);
        assert_eq!(decide((0, "6.1.0-0-fake"), (57, "6.1.192-3")), Decision::Move);
        assert_eq!(decide((48, "6.1.0-0-fake"), (48, "6.1.172-1")), Decision::Move);
        assert_eq!(decide((0, "252.38-1~deb12u1"), (0, "252.39-1~deb12u2")), Decision::Move);
        assert_eq!(decide((0, "252.39-1~deb12u2"), (0, "252.39-1~deb12u2")), Decision::Keep);
        assert_eq!(decide((57, "6.1.192-3"), (48, "6.1.200-1")), Decision::Older);
        assert_eq!(decide((0, "252.39-1"), (0, "252.39-1~deb12u2")), Decision::Older);
    }
}
