//! `postern-init`: the appliance's PID 1.
//!
//! It mounts the kernel filesystems and makes the root read-only, loads the board's
//! modules, mounts the data area (formatting it on first boot), configures the network
//! from the configuration, then starts `posternd` and keeps it running until the
//! appliance is powered off or rebooted.

mod block_devices;
mod boot;
mod data_area;
mod data_probe;
mod dhcp;
mod error;
mod esp;
mod factory_reset;
mod health;
mod install_helper;
mod kernel_modules;
mod modalias;
mod mounts;
mod naming;
mod network;
mod nic_queues;
mod owner_tree;
mod paths;
mod restart_policy;
mod shutdown;
mod supervisor;
mod timing;

use std::process::ExitCode;

fn main() -> ExitCode {
    if nix::unistd::getpid().as_raw() != 1 {
        eprintln!("postern-init: must run as PID 1 (the appliance's init); nothing done");
        return ExitCode::FAILURE;
    }
    boot::run()
}
