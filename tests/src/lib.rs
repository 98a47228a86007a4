//! End-to-end tests that start real processes; the tests live in `tests/`, helper binaries in `src/bin/`.

mod update_server;
mod vm;

pub use update_server::UpdateServer;
pub use vm::{DiskBus, FIRST_NIC_MAC, Hardware, SECOND_NIC_MAC, SECOND_NIC_PCI, Vm, VmImage};
