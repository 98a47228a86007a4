//! Command-line options of `posternd`.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Options of `posternd`.
#[derive(clap::Parser, Debug)]
#[command(name = "posternd", version, about = "The Postern gateway daemon")]
pub struct Args {
    /// Where the configuration history and the SSH host key live.
    #[arg(long, default_value = "/var/lib/postern")]
    pub(crate) state_dir: PathBuf,
    /// The device cache directory; defaults to `device_cache.path` of the configuration.
    #[arg(long)]
    pub(crate) device_cache: Option<PathBuf>,
    /// The configuration (TOML) to start from when no configuration has been committed yet.
    #[arg(long, conflicts_with = "demo")]
    pub(crate) initial_config: Option<PathBuf>,
    /// Start from the embedded demo configuration when none has been committed yet.
    #[arg(long)]
    pub(crate) demo: bool,
    /// Serve the ActiveSync proxy (TLS) on this address; needs `tls.certificate_file`,
    /// `tls.key_file` and `activesync.backend_url` in the configuration.
    #[arg(long)]
    pub(crate) listen: Option<SocketAddr>,
    /// Serve AppTunnel (mutual TLS, HTTP CONNECT) on this address; needs the TLS
    /// certificate and `apptunnel.client_ca_file` in the configuration.
    #[arg(long)]
    pub(crate) apptunnel_listen: Option<SocketAddr>,
    /// Serve the Host Checker verifier (PT-TLS) on this address instead of every address
    /// on `host_checker.port`; it still serves only when `host_checker.enabled`.
    #[arg(long)]
    pub(crate) host_checker_listen: Option<SocketAddr>,
    /// Serve Prometheus metrics (plain HTTP, `GET /metrics`) on this address instead of the
    /// configured management address (`[management]`); sources are limited by
    /// `management.metrics_allowed` when it lists any, otherwise every source may read.
    #[arg(long)]
    pub(crate) metrics_listen: Option<SocketAddr>,
    /// Serve the CLI over SSH (public keys of configured users only) on this address
    /// instead of the configured management address (`[management]`).
    #[arg(long)]
    pub(crate) ssh_listen: Option<SocketAddr>,
    /// The local scripting socket (`postern -c …`).
    #[arg(long, default_value = "/run/postern/cli.sock")]
    pub(crate) socket: PathBuf,
    /// Serve the CLI on this serial console device (e.g. /dev/ttyS0).
    #[arg(long, conflicts_with = "console")]
    pub(crate) serial: Option<PathBuf>,
    /// Also serve the CLI on this terminal (e.g. /dev/tty1, the screen's first virtual
    /// console); repeatable. One that cannot be opened is logged and left out.
    #[arg(long = "also-console", value_name = "DEVICE")]
    pub(crate) also_console: Vec<PathBuf>,
    /// Serve the CLI on this process's stdin and stdout.
    #[arg(long)]
    pub(crate) console: bool,
    /// After binding every listener and opening the console, run as this user (from the
    /// password database) with no capability left. The caller makes the state directory,
    /// the device cache and the CLI socket's directory writable by that user (chown).
    /// Without `--supervised`, `reload` starts posternd again in place as that user, which
    /// cannot bind ports below 1024 again; with it, init restarts everything as root.
    #[arg(long, value_name = "NAME")]
    pub(crate) user: Option<String>,
    /// Running under the appliance's init: `reload` exits with status 11, and init reboots
    /// the appliance, so that listeners, privileges and every setting start afresh.
    #[arg(long)]
    pub(crate) supervised: bool,
    /// The network interfaces are this system's to configure (the appliance's init brought
    /// them up from the configuration): a commit applies `interface …` at once, through
    /// the privileged helper (or itself as root). Without it, interface changes wait for
    /// `reload`, so that posternd run by hand never reconfigures the host's network.
    #[arg(long)]
    pub(crate) manage_interfaces: bool,
    /// Worker threads of the async runtime that serves every listener; default one per
    /// core the process may run on.
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub(crate) worker_threads: Option<u16>,
    /// The mounted EFI system partition holding the A/B system slots: enables
    /// `software install|rollback` (the appliance's init mounts it on /boot).
    #[arg(long)]
    pub(crate) esp: Option<PathBuf>,
    /// Log filter when RUST_LOG is not set.
    #[arg(long, default_value = "info")]
    pub log_filter: String,
    /// Log JSON lines instead of text.
    #[arg(long)]
    pub log_json: bool,
}
