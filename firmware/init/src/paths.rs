//! Where things are in the appliance's file system.

/// The board file the image was built for.
pub(crate) const BOARD_FILE: &str = "/etc/postern/board.toml";
/// The configuration used until one is committed.
pub(crate) const INITIAL_CONFIG: &str = "/etc/postern/initial.toml";
/// Kernel modules, one `<name>.ko` each.
pub(crate) const MODULES_DIR: &str = "/lib/modules";
/// The data area's mount point.
pub(crate) const DATA: &str = "/data";
/// posternd's state directory (configuration history, SSH host key, device cache).
pub(crate) const STATE_DIR: &str = "/data/postern";
/// The running configuration's mirror, written by posternd at each commit.
pub(crate) const RUNNING_CONFIG: &str = "/data/postern/config/running.toml";
/// posternd's request for a factory reset at the next boot (any file by that name).
pub(crate) const FACTORY_RESET_REQUEST: &str = "/data/postern/factory-reset";
/// Logs kept across restarts of posternd.
pub(crate) const LOG_DIR: &str = "/data/log";
/// The daemon.
pub(crate) const POSTERND: &str = "/usr/bin/posternd";
/// The formatter of the data area.
pub(crate) const MKE2FS: &str = "/sbin/mke2fs";
/// The unprivileged user the daemon runs as.
pub(crate) const DAEMON_USER: &str = "postern";
/// The data area's file system label.
pub(crate) const DATA_LABEL: &str = "postern-data";
/// posternd's CLI socket, probed by the health check.
pub(crate) const CLI_SOCKET: &str = "/run/postern/cli.sock";
/// Where the EFI system partition (boot loader and system slots) is mounted.
pub(crate) const ESP: &str = "/boot";
/// Held by whoever makes the boot partition writable (init, the install helper).
pub(crate) const ESP_LOCK: &str = "/run/postern-esp.lock";
/// The privileged helper that alone writes system slots.
pub(crate) const INSTALL_HELPER: &str = "/usr/libexec/postern-install-helper";
/// The anti-rollback floor's directory: root's, outside the daemon's state directory.
pub(crate) const FLOOR_DIR: &str = "/data/boot-records";
/// The running image's release (`NUMBER STRING`).
pub(crate) const RELEASE_FILE: &str = "/etc/postern/release";
