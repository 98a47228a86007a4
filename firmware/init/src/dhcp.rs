//! DHCP for the interfaces configured with `dhcp`: a client thread per interface,
//! restarted after a failure, applying its leases over rtnetlink and recording them in
//! [`LEASE_DIR`] for the CLI.

use postern_dhcp_client::lease_file::LEASE_DIR;
use postern_dhcp_client::{shell, sink::KernelSink};
use std::path::Path;
use std::time::Duration;

/// How long a failed client waits before starting again.
const RESTART_DELAY: Duration = Duration::from_secs(10);

/// Starts the client of `name` (kernel index `index`) on a thread of its own;
/// `use_router`: whether the lease's router becomes the default route.
pub(crate) fn start(name: &str, index: u32, use_router: bool) {
    let name = name.to_owned();
    let spawned = std::thread::Builder::new().name(format!("dhcp-{name}")).spawn(move || {
        loop {
            let result = KernelSink::new(&name, index, use_router)
                .map_err(shell::ShellError::from)
                .and_then(|mut sink| shell::run(&name, &mut sink, Path::new(LEASE_DIR)));
            if let Err(error) = result {
                tracing::error!(interface = %name, %error, "DHCP client stopped; starting it again");
            }
            std::thread::sleep(RESTART_DELAY);
        }
    });
    if let Err(error) = spawned {
        tracing::error!(%error, "cannot start a DHCP client thread");
    }
}
