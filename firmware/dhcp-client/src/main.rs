//! `postern-dhcp INTERFACE [--lease-dir DIR] [--no-default-route]`: the appliance's DHCPv4
//! client for one interface, run by hand or in a test. It brings nothing up: the link must
//! be up. It turns on IPv6 autoconfiguration (SLAAC) for the interface, then keeps a lease,
//! applying its address and router over rtnetlink and recording it in the lease directory
//! (default `/run/postern/dhcp`). init runs the same client in-process for each interface
//! configured with `dhcp`.

use postern_dhcp_client::lease_file::LEASE_DIR;
use postern_dhcp_client::{shell, sink::KernelSink, slaac};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let _logs = postern_logging::init("info", false);
    let mut args = std::env::args().skip(1);
    let mut interface = None;
    let mut lease_dir = PathBuf::from(LEASE_DIR);
    let mut use_router = true;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--lease-dir" => match args.next() {
                Some(dir) => lease_dir = dir.into(),
                None => return usage("--lease-dir needs a directory"),
            },
            "--no-default-route" => use_router = false,
            name if interface.is_none() && !name.starts_with('-') => interface = Some(name.to_owned()),
            other => return usage(&format!("unexpected argument {other:?}")),
        }
    }
    let Some(interface) = interface else { return usage("no interface given") };
    let index = match nix::net::if_::if_nametoindex(interface.as_str()) {
        Ok(index) => index,
        Err(error) => {
            tracing::error!(interface, %error, "no such interface");
            return ExitCode::FAILURE;
        }
    };
    if let Err(error) = slaac::set(Path::new(slaac::IPV6_CONF), &interface, true) {
        tracing::warn!(interface, %error, "IPv6 autoconfiguration not turned on");
    }
    let result = KernelSink::new(&interface, index, use_router)
        .map_err(shell::ShellError::from)
        .and_then(|mut sink| shell::run(&interface, &mut sink, &lease_dir));
    if let Err(error) = result {
        tracing::error!(interface, %error, "DHCP client stopped");
    }
    ExitCode::FAILURE
}

fn usage(problem: &str) -> ExitCode {
    eprintln!("postern-dhcp: {problem}\nusage: postern-dhcp INTERFACE [--lease-dir DIR] [--no-default-route]");
    ExitCode::from(2)
}
