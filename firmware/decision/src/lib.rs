//! Sans-IO, `no_std` decision core: which device may pass, and why.
#![no_std]

extern crate alloc;

mod access_key;
mod action;
mod activesync;
mod apptunnel;
mod cached;
mod checkin;
mod decision;
mod identity;
mod lookup;
mod matching;
mod privilege;
mod reason;
mod state;
mod status;
mod uem;

pub use access_key::{AccessKey, TunnelKey};
pub use action::{ComplianceAction, apply_action};
pub use activesync::{CacheUpdate, FirstAccess, FirstAccessOutcome, decide_first_access, new_device_rule};
pub use apptunnel::{AppTunnelAnswer, AppTunnelLookup, AppTunnelOutcome, decide_first_apptunnel};
pub use cached::{awaits_checkin, decide_cached, needs_first_access, restore_at_startup, state_needs_first_access};
pub use checkin::{CheckinOutcome, apply_checkin};
pub use decision::{CacheRecord, Channel, Decision, Verdict};
pub use identity::{
    APP_ID_MAX, AppId, DeviceIdentity, EAS_DEVICE_ID_MAX, EasDeviceId, GATEWAY_ID_MAX, GatewayId, IdError, Platform,
    SERVICE_NAME_MAX, ServiceName, UEM_DEVICE_ID_MAX, USER_ID_MAX, UemDeviceId, UserId,
};
pub use lookup::{EasRequest, RegisteredDevice, UemLookup, UnregisteredTunnel};
pub use matching::{Match, MatchedBy, best_match, user_conflict, user_tag};
pub use privilege::Privilege;
pub use reason::Reason;
pub use state::{DeviceState, Provenance};
pub use status::UemStatus;
pub use uem::{OutagePolicy, UemCapabilities, UemKind, UemSettings};
