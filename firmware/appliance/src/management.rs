//! Where the management plane (SSH CLI, metrics) listens: read from the configuration
//! before the listeners are bound, as root, so that a privileged port can be bound.
//!
//! The configuration is read as a plain file: the store's mirror of the running
//! configuration (`STATE_DIR/config/running.toml`), or, before the first commit, the
//! initial configuration, as init reads it to bring the interfaces up. Nothing else of the store (its history, its secrets) is opened
//! before root is given up. `--ssh-listen` and `--metrics-listen` override the
//! configuration (tests, running posternd by hand).

use crate::args::Args;
use postern_config::{Config, ManagementPlane, NoManagementAddress};
use postern_metrics::SourcePrefixes;
use std::net::SocketAddr;

/// Where SSH and metrics are to listen, and what to report about it.
pub(crate) struct ManagementPlan {
    /// The SSH CLI's address, if it is to listen.
    pub(crate) ssh: Option<SocketAddr>,
    /// Whether `ssh` came from `--ssh-listen`.
    pub(crate) ssh_from_flag: bool,
    /// The metrics listener's address, if it is to listen.
    pub(crate) metrics: Option<SocketAddr>,
    /// Whether `metrics` came from `--metrics-listen`.
    pub(crate) metrics_from_flag: bool,
    /// Who may read the metrics.
    pub(crate) metrics_allowed: SourcePrefixes,
    /// The allowed prefixes as text, for the log and `show management`.
    pub(crate) allowed_text: String,
    /// Why the configuration gives no management address, when it does not.
    pub(crate) unavailable: Option<NoManagementAddress>,
}

/// The configuration the daemon will run with, read as a plain file.
pub(crate) fn startup_config(args: &Args) -> Option<Config> {
    let mirror = args.state_dir.join("config").join("running.toml");
    if mirror.exists() {
        match Config::load(&mirror) {
            Ok(config) => return Some(config),
            // As init does for the interfaces: a damaged mirror falls back to the initial
            // configuration (the store reports the damage when it opens).
            Err(error) => {
                tracing::error!(path = %mirror.display(), %error, "cannot read the running configuration for the management plane")
            }
        }
    }
    if args.demo {
        return Some(Config::demo());
    }
    match &args.initial_config {
        Some(path) => Config::load(path).map_err(|error| tracing::error!(path = %path.display(), %error, "cannot read the initial configuration for the management plane")).ok(),
        None => Some(Config::default()),
    }
}

/// `--ssh-listen` and `--metrics-listen`, which win over the configuration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flags {
    pub(crate) ssh_listen: Option<SocketAddr>,
    pub(crate) metrics_listen: Option<SocketAddr>,
}

impl Flags {
    /// The flags as given.
    pub(crate) fn of(args: &Args) -> Self {
        Self { ssh_listen: args.ssh_listen, metrics_listen: args.metrics_listen }
    }
}

impl ManagementPlan {
    /// Decides from the flags and `config` (`None`: the configuration cannot be read).
    pub(crate) fn decide_for(args: Flags, config: Option<&Config>) -> Self {
        let resolved: Result<ManagementPlane, NoManagementAddress> = match config {
            Some(config) => config.management_plane(),
            None => Err(NoManagementAddress::BadAddress("(the configuration cannot be read)".into())),
        };
        let configured_allowed = config.map(|c| c.management.metrics_allowed.clone()).unwrap_or_default();
        let (ssh, metrics) = match &resolved {
            Ok(plane) => (Some(plane.ssh), Some(plane.metrics)),
            Err(_) => (None, None),
        };
        // With --metrics-listen, a configured list still applies; without one, the flag's
        // caller chose the address and every source may read.
        let allowed: Option<Vec<String>> = match (args.metrics_listen, &resolved) {
            (Some(_), _) if configured_allowed.is_empty() => None,
            (Some(_), _) => Some(configured_allowed),
            (None, Ok(plane)) => Some(plane.metrics_allowed.clone()),
            (None, Err(_)) => Some(Vec::new()),
        };
        let (metrics_allowed, allowed_text) = match allowed {
            None => (SourcePrefixes::any(), "any source".to_owned()),
            Some(list) => match SourcePrefixes::parse(&list) {
                Ok(prefixes) if list.is_empty() => (prefixes, "no source".to_owned()),
                Ok(prefixes) => (prefixes, list.join(", ")),
                Err(error) => {
                    tracing::error!(%error, "management.metrics_allowed cannot be used: no source may read metrics");
                    (SourcePrefixes::none(), "no source".to_owned())
                }
            },
        };
        Self {
            ssh: args.ssh_listen.or(ssh),
            ssh_from_flag: args.ssh_listen.is_some(),
            metrics: args.metrics_listen.or(metrics),
            metrics_from_flag: args.metrics_listen.is_some(),
            metrics_allowed,
            allowed_text,
            unavailable: resolved.err(),
        }
    }

    /// Logs where the management plane will listen, or why it will not.
    pub(crate) fn log(&self) {
        if let Some(why) = &self.unavailable {
            if self.ssh.is_none() || self.metrics.is_none() {
                tracing::warn!(reason = %why, "no management address: SSH and metrics are not started unless given by flag");
            }
        }
        tracing::info!(ssh = ?self.ssh, metrics = ?self.metrics, metrics_allowed = %self.allowed_text, "management plane");
    }

    /// The line `show management` prints as what listens now.
    pub(crate) fn status(&self, ssh: Option<SocketAddr>, metrics: Option<SocketAddr>) -> String {
        let place = |addr: Option<SocketAddr>, flag: bool| match (addr, flag) {
            (Some(addr), true) => format!("{addr} (from the command line)"),
            (Some(addr), false) => addr.to_string(),
            (None, _) => "not listening".to_owned(),
        };
        let mut text = format!(
            "SSH {}, metrics {} (allowed from {})",
            place(ssh, self.ssh_from_flag),
            place(metrics, self.metrics_from_flag),
            self.allowed_text
        );
        if let (Some(why), true) = (&self.unavailable, ssh.is_none() || metrics.is_none()) {
            text.push_str(&format!("; no management address: {why}"));
        }
        text
    }
}
