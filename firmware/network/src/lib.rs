//! The configured network interfaces (`[[interfaces]]`). [`plan`] works out, without I/O,
//! the changes that turn one configuration's interfaces into another's: links up or down,
//! only the addresses and default routes that differ, MTU, rings and offloads, and the
//! changed settings that wait for a reboot. [`apply`] carries a plan out over the kernel's
//! netlink sockets. init applies the plan from nothing at boot.

mod apply;
mod change;
mod error;
mod nic_settings;
mod plan;

pub use apply::{Applied, LINK_WAIT, Options, apply, apply_with};
pub use change::{Change, Cidr, Invalid, Link, LinkState, NicSettings, Plan, Step};
pub use error::NetworkError;
pub use plan::plan;
