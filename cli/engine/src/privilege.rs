//! Session privilege levels.

/// What a session may do; given by the transport from the login key, never by a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Privilege {
    /// May use user EXEC mode: show commands and whatever else the command set allows.
    #[default]
    Operator,
    /// May also `enable`, configure and run privileged commands.
    Administrator,
}

impl Privilege {
    /// The level's name as shown to users.
    pub fn name(self) -> &'static str {
        match self {
            Privilege::Operator => "operator",
            Privilege::Administrator => "administrator",
        }
    }
}
