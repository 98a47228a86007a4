//! The gateway's access service: decisions from the device cache and the UEM, check-in results applied, live connections cut.

mod access;
mod admission;
mod blocks;
mod checkins;
mod error;
mod gateway;
mod inventory;
mod operator_blocks;
mod outage_tunnels;
mod posture;

pub use admission::{
    FIRST_ACCESSES_PER_SOURCE, LOOKUP_QUEUE_WAIT, LOOKUPS_IN_FLIGHT, NOT_REGISTERED_MAX, NOT_REGISTERED_TTL,
    RETRY_AFTER, SOURCE_WINDOW,
};
pub use blocks::{BlockList, BlockOrigin, BlockTarget, MAX_BLOCKS, PinnedBlock};
pub use checkins::{Applied, Change};
pub use error::GatewayError;
pub use gateway::{Cut, Gateway};
pub use operator_blocks::BlockReport;
pub use outage_tunnels::TunnelsRechecked;
