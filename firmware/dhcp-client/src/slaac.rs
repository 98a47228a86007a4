//! IPv6 stateless address autoconfiguration (SLAAC) per interface, through the kernel's
//! settings in `/proc/sys/net/ipv6/conf/<interface>/`.

use std::path::Path;

/// Where the kernel keeps each interface's IPv6 settings.
pub const IPV6_CONF: &str = "/proc/sys/net/ipv6/conf";

/// Turns router advertisements and address autoconfiguration on or off for `interface`
/// under `root` (on the appliance [`IPV6_CONF`]). `accept_ra` 2 accepts them even
/// with forwarding on.
pub fn set(root: &Path, interface: &str, on: bool) -> std::io::Result<()> {
    let dir = root.join(interface);
    std::fs::write(dir.join("accept_ra"), if on { "2" } else { "0" })?;
    std::fs::write(dir.join("autoconf"), if on { "1" } else { "0" })
}
