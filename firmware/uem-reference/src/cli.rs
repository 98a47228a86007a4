//! The command line: `postern-uem serve …` and `postern-uem admin --url … COMMAND`.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// The reference UEM server for Postern: UEM API v1 over HTTPS, an admin API, and a
/// command to drive it.
#[derive(Debug, Parser)]
#[command(name = "postern-uem", version)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// What to do.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Send one command to a running server's admin API.
    Admin {
        /// The admin API, e.g. http://127.0.0.1:8081.
        #[arg(long)]
        url: String,
        /// The server's state file: the admin token is read from `admin-token` beside it.
        #[arg(long, required_unless_present = "token_file", conflicts_with = "token_file")]
        state: Option<PathBuf>,
        /// The admin token file, when the server was given `--admin-token-file`.
        #[arg(long)]
        token_file: Option<PathBuf>,
        #[command(subcommand)]
        command: AdminCommand,
    },
}

/// `postern-uem serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Address of the API listener (HTTPS); port 0 picks a free one.
    #[arg(long, default_value = "127.0.0.1:8443")]
    pub(crate) listen: String,
    /// Address of the admin listener (plain HTTP with a bearer token: keep it on loopback).
    #[arg(long, default_value = "127.0.0.1:8081")]
    pub(crate) admin_listen: String,
    /// The admin token file (mode 0600), made with a random token when it does not exist.
    /// Default: `admin-token` beside the state file.
    #[arg(long)]
    pub(crate) admin_token_file: Option<PathBuf>,
    /// The state file (created if missing).
    #[arg(long)]
    pub(crate) state: PathBuf,
    /// The server's certificate.
    #[command(flatten)]
    pub(crate) tls: postern_reference_server::TlsArgs,
    /// Write the API port here once listening.
    #[arg(long)]
    pub(crate) port_file: Option<PathBuf>,
    /// Write the admin port here once listening.
    #[arg(long)]
    pub(crate) admin_port_file: Option<PathBuf>,
    /// Entries each change feed keeps; cursors older than that get 410.
    #[arg(long, default_value_t = 10_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub(crate) log_limit: u32,
    /// Enable the test fault hooks (`postern-uem admin … fault`). Never in production.
    #[arg(long)]
    pub(crate) faults: bool,
}

/// A status on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum StatusArg {
    /// Compliant.
    Compliant,
    /// Non-compliant (give `--action`).
    Noncompliant,
    /// Blocked by an administrator.
    Blocked,
    /// Wiped.
    Wiped,
}

/// A compliance action on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum ActionArg {
    /// Block.
    Block,
    /// Quarantine.
    Quarantine,
    /// E-mail the user.
    Email,
    /// Monitor.
    Monitor,
    /// Notify an administrator.
    Notify,
}

/// The new-device rule on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum NewDeviceArg {
    /// Allow new devices while the UEM is unreachable.
    Allow,
    /// Block them.
    Block,
    /// No rule (gateways keep theirs).
    Unset,
}

/// A fault on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub(crate) enum FaultArg {
    /// Answer 500.
    Status500,
    /// Answer 200 with a body that is not JSON.
    Garbage,
    /// Answer 200 with a 1 GiB body.
    Huge,
    /// Answer after `--secs` seconds.
    Slow,
    /// Refuse every cursor with 410 (`--off` to stop).
    RefuseCursors,
    /// Back to normal.
    Clear,
}

/// Admin commands.
#[derive(Debug, Subcommand)]
pub(crate) enum AdminCommand {
    /// Enrol (or re-enrol) a device.
    Enrol {
        /// The UEM's id for it.
        #[arg(long)]
        uem_id: String,
        /// Its ActiveSync device id.
        #[arg(long)]
        activesync_id: Option<String>,
        /// Its user.
        #[arg(long)]
        user: Option<String>,
        /// ios, android, windows, macos or other.
        #[arg(long, default_value = "other")]
        platform: String,
    },
    /// Set a device's compliance status.
    Status {
        /// The UEM device id.
        uem_id: String,
        /// The status.
        status: StatusArg,
        /// The action of a non-compliant status.
        #[arg(long, required_if_eq("status", "noncompliant"))]
        action: Option<ActionArg>,
    },
    /// Block a device (status `blocked`).
    Block {
        /// The UEM device id.
        uem_id: String,
    },
    /// Wipe a device (status `wiped`).
    Wipe {
        /// The UEM device id.
        uem_id: String,
    },
    /// Block one tunnel of a device, or all of them without `--app`.
    BlockTunnel(TunnelArgs),
    /// Lift a tunnel block.
    UnblockTunnel(TunnelArgs),
    /// Show the settings, or change those given.
    Settings {
        /// The new-device rule during an outage.
        #[arg(long)]
        new_device: Option<NewDeviceArg>,
        /// Whether quarantine is supported.
        #[arg(long)]
        quarantine: Option<bool>,
        /// epmm or neurons.
        #[arg(long)]
        kind: Option<String>,
    },
    /// Set a gateway's bearer token.
    Token {
        /// The gateway id.
        gateway_id: String,
        /// Its token.
        token: String,
    },
    /// Authorise or refuse an app for app tunnels.
    App {
        /// The app id.
        app_id: String,
        /// true or false.
        #[arg(long)]
        authorised: bool,
    },
    /// List the inventories received from gateways.
    Inventory,
    /// List which gateway holds each device now, each device once (lapsed inventories
    /// left out; a device reported by several gateways goes to the latest report).
    Holders,
    /// List the enrolled devices.
    Devices,
    /// Order a test fault (server started with `--faults`).
    Fault {
        /// Which.
        kind: FaultArg,
        /// How many answers.
        #[arg(long, default_value_t = 1)]
        count: u32,
        /// Delay of `slow`, in seconds.
        #[arg(long, default_value_t = 5)]
        secs: u64,
        /// With refuse-cursors: stop refusing.
        #[arg(long)]
        off: bool,
    },
}

/// Which tunnel.
#[derive(Debug, clap::Args)]
pub(crate) struct TunnelArgs {
    /// The UEM device id.
    pub(crate) uem_id: String,
    /// The app (with `--service`); none for all the device's tunnels.
    #[arg(long, requires = "service")]
    pub(crate) app: Option<String>,
    /// The service.
    #[arg(long, requires = "app")]
    pub(crate) service: Option<String>,
}
