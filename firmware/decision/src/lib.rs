//! Sans-IO, `no_std` decision core: which device may pass, and why.
#![no_std]

extern crate alloc;

mod identity;
mod state;

pub use identity::{
    DeviceIdentity, EAS_DEVICE_ID_MAX, EasDeviceId, GATEWAY_ID_MAX, GatewayId, IdError, Platform,
    UEM_DEVICE_ID_MAX, USER_ID_MAX, UemDeviceId, UserId,
};
pub use state::{DeviceState, Provenance};
