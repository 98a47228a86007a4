//! S5: a first AppTunnel access.

use crate::{CacheRecord, Channel, Decision, DeviceIdentity, DeviceState, Provenance, Reason};

/// The UEM's answer for an app's first tunnel request (S4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AppTunnelAnswer {
    /// The device satisfies its security policy.
    pub device_policy_ok: bool,
    /// The traffic-control rules let the connection through.
    pub traffic_rules_ok: bool,
    /// The app is an authorised app.
    pub app_authorised: bool,
}

/// What asking the UEM about a first app-tunnel access produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppTunnelLookup {
    /// The UEM could not be reached.
    Unreachable,
    /// The UEM answered.
    Reachable(AppTunnelAnswer),
}

/// The result of a first app-tunnel access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppTunnelOutcome {
    /// Allow or block, and why.
    pub decision: Decision,
    /// The record to store for the tunnel's device.
    pub record: CacheRecord,
}

/// Decides a first app-tunnel access (S5).
///
/// With an answer: allowed only if the device policy, the traffic rules and the app are
/// all fine; otherwise blocked with the first failing check as the reason (policy, then
/// traffic rules, then app). Unreachable: allowed with [`Provenance::OutageAppTunnel`];
/// the next compliance check-in sets the real state. A device whose record is already
/// wiped stays wiped either way.
pub fn decide_first_apptunnel(
    identity: DeviceIdentity,
    lookup: AppTunnelLookup,
    previous: Option<&CacheRecord>,
) -> AppTunnelOutcome {
    let (state, reason, basis) = if previous.is_some_and(|p| p.state == DeviceState::Wiped) {
        (DeviceState::Wiped, Reason::WipedFinal, Provenance::Uem)
    } else {
        match lookup {
            AppTunnelLookup::Unreachable => {
                (DeviceState::Allowed, Reason::UemUnreachableAppTunnel, Provenance::OutageAppTunnel)
            }
            AppTunnelLookup::Reachable(answer) => {
                let (state, reason) = judge(answer);
                (state, reason, Provenance::Uem)
            }
        }
    };
    AppTunnelOutcome {
        decision: Decision::from_state(state, reason, basis),
        record: CacheRecord { identity, channel: Channel::AppTunnel, state, provenance: basis },
    }
}

fn judge(answer: AppTunnelAnswer) -> (DeviceState, Reason) {
    if !answer.device_policy_ok {
        (DeviceState::Blocked, Reason::DevicePolicyViolation)
    } else if !answer.traffic_rules_ok {
        (DeviceState::Blocked, Reason::TrafficRuleDenied)
    } else if !answer.app_authorised {
        (DeviceState::Blocked, Reason::AppNotAuthorised)
    } else {
        (DeviceState::Allowed, Reason::AppTunnelAuthorised)
    }
}
