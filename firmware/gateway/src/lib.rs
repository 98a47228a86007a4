//! The gateway's access service: decisions from the device cache and the UEM, check-in results applied, live connections cut.

mod access;
mod checkins;
mod error;
mod gateway;
mod inventory;

pub use error::GatewayError;
pub use checkins::{Applied, Change};
pub use gateway::{Cut, Gateway};
