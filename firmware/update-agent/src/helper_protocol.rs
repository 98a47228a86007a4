//! The install helper's wire format: one request line from the daemon (with the bundle's
//! file descriptor attached to an install), one answer line back. Sans-IO: parse and emit.
//!
//! ```text
//! install\n                          (SCM_RIGHTS: the bundle, opened by the daemon)
//! rollback\n
//! ok install SLOT TRIES NUMBER STRING\n
//! ok rollback SLOT\n
//! error MESSAGE\n
//! ```

use postern_boot_slots::{Slot, SlotVersion};

/// The longest line either side sends; longer input is refused, not buffered.
pub const MAX_LINE: usize = 4096;

/// What the daemon asks the helper to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HelperRequest {
    /// Verify the attached bundle again and write it into the inactive slot.
    Install,
    /// Make the other slot boot next and mark the running one bad.
    Rollback,
}

/// The helper's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelperAnswer {
    /// The bundle was written into `slot`, armed for `tries` boots.
    Installed {
        /// The slot written.
        slot: Slot,
        /// Boots it gets to pass its health check.
        tries: u32,
        /// The version it now holds.
        version: SlotVersion,
    },
    /// `slot` boots from the next reload.
    RolledBack(Slot),
    /// Refused or failed; nothing was changed.
    Error(String),
}

impl HelperRequest {
    /// The request line, newline included.
    pub fn emit(self) -> &'static str {
        match self {
            Self::Install => "install\n",
            Self::Rollback => "rollback\n",
        }
    }

    /// Reads a request line (with or without its newline).
    pub fn parse(line: &str) -> Option<Self> {
        match line.strip_suffix('\n').unwrap_or(line) {
            "install" => Some(Self::Install),
            "rollback" => Some(Self::Rollback),
            _ => None,
        }
    }
}

impl HelperAnswer {
    /// The answer line, newline included; line breaks inside a message become spaces.
    pub fn emit(&self) -> String {
        match self {
            Self::Installed { slot, tries, version } => {
                format!("ok install {slot} {tries} {} {}\n", version.number, one_line(&version.string))
            }
            Self::RolledBack(slot) => format!("ok rollback {slot}\n"),
            Self::Error(message) => format!("error {}\n", one_line(message)),
        }
    }

    /// Reads an answer line (with or without its newline).
    pub fn parse(line: &str) -> Option<Self> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        if let Some(message) = line.strip_prefix("error ") {
            return Some(Self::Error(message.to_owned()));
        }
        if let Some(rest) = line.strip_prefix("ok rollback ") {
            return Slot::from_name(rest).map(Self::RolledBack);
        }
        let rest = line.strip_prefix("ok install ")?;
        let mut words = rest.splitn(4, ' ');
        let slot = Slot::from_name(words.next()?)?;
        let tries = words.next()?.parse().ok()?;
        let number = words.next()?.parse().ok()?;
        let string = words.next()?.to_owned();
        Some(Self::Installed { slot, tries, version: SlotVersion { number, string } })
    }
}

fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_nothing_else_parses() {
        for request in [HelperRequest::Install, HelperRequest::Rollback] {
            assert_eq!(HelperRequest::parse(request.emit()), Some(request));
        }
        for bad in ["", "install now\n", "INSTALL\n", "rollback\nrollback\n", "format /boot\n"] {
            assert_eq!(HelperRequest::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn answers_round_trip() {
        let answers = [
            HelperAnswer::Installed {
                slot: Slot::B,
                tries: 3,
                version: SlotVersion { number: 12, string: "0.1.0-r12 test".into() },
            },
            HelperAnswer::RolledBack(Slot::A),
            HelperAnswer::Error("bundle refused: signature does not verify".into()),
        ];
        for answer in answers {
            assert_eq!(HelperAnswer::parse(&answer.emit()), Some(answer));
        }
    }

    #[test]
    fn a_message_stays_on_one_line_and_garbage_is_refused() {
        let line = HelperAnswer::Error("first\nsecond".into()).emit();
        assert_eq!(line, "error first second\n");
        for bad in ["ok install c 3 1 x", "ok install a three 1 x", "ok install a 3 1", "ok rollback", "fine"] {
            assert_eq!(HelperAnswer::parse(bad), None, "{bad:?}");
        }
    }
}
