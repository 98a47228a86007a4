//! The outcome of every decision: allow or block, why, and on what basis.

use crate::{DeviceIdentity, DeviceState, Provenance, Reason};
use core::fmt;
use serde::{Deserialize, Serialize};

/// Allow or block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Let the traffic through.
    Allow,
    /// Refuse the traffic.
    Block,
}

impl Verdict {
    /// The verdict a state implies: only `Allowed` lets traffic through.
    pub const fn for_state(state: DeviceState) -> Self {
        if matches!(state, DeviceState::Allowed) { Verdict::Allow } else { Verdict::Block }
    }

    /// `allow` or `block`.
    pub const fn code(self) -> &'static str {
        match self {
            Verdict::Allow => "allow",
            Verdict::Block => "block",
        }
    }
}

/// One access decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision {
    /// Allow or block.
    pub verdict: Verdict,
    /// Why.
    pub reason: Reason,
    /// Where the state behind the decision came from.
    pub basis: Provenance,
}

impl Decision {
    /// The decision a state implies, with its reason and basis.
    pub const fn from_state(state: DeviceState, reason: Reason, basis: Provenance) -> Self {
        Self { verdict: Verdict::for_state(state), reason, basis }
    }

    /// Whether the traffic may pass.
    pub const fn allows(&self) -> bool {
        matches!(self.verdict, Verdict::Allow)
    }
}

impl fmt::Display for Decision {
    /// `allow reason=cached-allowed basis=uem`: one log field set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} reason={} basis={}", self.verdict.code(), self.reason.code(), self.basis.code())
    }
}

/// Which way a device reaches the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Channel {
    /// Exchange ActiveSync e-mail.
    #[default]
    ActiveSync,
    /// A per-app tunnel to a back-end service.
    AppTunnel,
}

/// What the device cache stores for one device after a decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct CacheRecord {
    /// The device, enriched with the UEM device id once matched.
    pub identity: DeviceIdentity,
    /// How the device reaches the gateway.
    pub channel: Channel,
    /// Its state.
    pub state: DeviceState,
    /// Where the state came from.
    pub provenance: Provenance,
}

impl CacheRecord {
    /// The decision for a later access from this record (S2).
    pub fn decide(&self) -> Decision {
        crate::decide_cached(self.state, self.provenance)
    }
}
