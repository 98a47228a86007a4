//! What a CLI session may do.

use serde::{Deserialize, Serialize};

/// A CLI privilege level: given by how a session logged in (its SSH key's user, the
/// console, the socket's peer), never by a password.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Privilege {
    /// `operator`: may run `show` commands only.
    #[default]
    Operator,
    /// `administrator`: may also enter privileged and CONFIG modes, and commit.
    Administrator,
}

impl Privilege {
    /// The level's name as written in the configuration, logs and authorised-key lists.
    pub fn name(self) -> &'static str {
        match self {
            Privilege::Operator => "operator",
            Privilege::Administrator => "administrator",
        }
    }
}
