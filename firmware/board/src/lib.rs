//! Board definitions: what differs from one board to another (kernel, modules, console, disk, network, VM).

mod board;
mod error;
mod userland;

pub use board::{Board, Console, Disk, Kernel, Network, Vm};
pub use error::BoardError;
pub use userland::UserlandPackage;
