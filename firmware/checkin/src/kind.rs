//! The three check-ins (S8).

use serde::{Deserialize, Serialize};
use std::fmt;

/// One of the three independent check-ins with the UEM (S8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckinKind {
    /// Pull device compliance changes from the UEM.
    Compliance,
    /// Pull administrator actions on tunnels from the UEM.
    TunnelActions,
    /// Push the tunnel inventory (ActiveSync and app) to the UEM.
    Inventory,
}

impl CheckinKind {
    /// The three kinds, in the order status lists them.
    pub const ALL: [CheckinKind; 3] = [CheckinKind::Compliance, CheckinKind::TunnelActions, CheckinKind::Inventory];

    /// The name used in logs, status and the CLI (`compliance`, `tunnel-actions`,
    /// `inventory`).
    pub fn name(self) -> &'static str {
        match self {
            CheckinKind::Compliance => "compliance",
            CheckinKind::TunnelActions => "tunnel-actions",
            CheckinKind::Inventory => "inventory",
        }
    }

    /// The kind with this name, if any (the inverse of [`CheckinKind::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }

    pub(crate) fn index(self) -> usize {
        match self {
            CheckinKind::Compliance => 0,
            CheckinKind::TunnelActions => 1,
            CheckinKind::Inventory => 2,
        }
    }
}

impl fmt::Display for CheckinKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_indices_are_distinct() {
        let mut seen = [false; 3];
        for kind in CheckinKind::ALL {
            assert_eq!(CheckinKind::from_name(kind.name()), Some(kind));
            assert!(!seen[kind.index()]);
            seen[kind.index()] = true;
        }
        assert_eq!(CheckinKind::from_name("Compliance"), None);
    }

    #[test]
    fn serde_uses_the_cli_names() {
        for kind in CheckinKind::ALL {
            let json = serde_json::to_string(&kind).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", kind.name()));
        }
    }
}
