//! Split DNS (Z3): the `[dns]` settings, and the responder's lifetime. At start it puts
//! back a resolv.conf an earlier run left rewritten, reads the system's resolver from
//! it, binds the responder and points the system at it; [`SplitDns::stop`] restores
//! the file.

use crate::dns_server;
use crate::error::AgentError;
use crate::resolv_conf::{self, ResolvConf};
use postern_agent_dns::{Resolver, SyntheticPool};
use postern_agent_wire::{Prefix, Resource};
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use tokio::sync::watch;

/// `[dns]` of the agent's configuration: absent, the agent leaves DNS alone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DnsSettings {
    /// Where the responder listens (UDP and TCP); in production the TUN address, port 53.
    /// The system is pointed at its address; resolv.conf has no port, so another port
    /// serves only clients told it explicitly.
    pub(crate) listen: SocketAddr,
    /// The file the system's resolver reads. Default `/etc/resolv.conf`.
    #[serde(default = "default_resolv_conf")]
    pub(crate) resolv_conf: PathBuf,
    /// The private IPv4 pool of synthetic addresses, `/8` to `/30`. Default
    /// `198.18.0.0/16`.
    #[serde(default = "default_pool")]
    pub(crate) pool: String,
}

fn default_resolv_conf() -> PathBuf {
    PathBuf::from("/etc/resolv.conf")
}

fn default_pool() -> String {
    "198.18.0.0/16".into()
}

impl DnsSettings {
    /// The pool, or why it is unusable.
    pub(crate) fn synthetic_pool(&self) -> Result<SyntheticPool, String> {
        let prefix: Prefix = self.pool.parse().map_err(|e| format!("dns.pool {:?}: {e}", self.pool))?;
        match prefix.addr() {
            IpAddr::V4(network) => SyntheticPool::new(network, prefix.len())
                .ok_or_else(|| format!("dns.pool {:?}: the length must be 8 to 30", self.pool)),
            IpAddr::V6(_) => Err(format!("dns.pool {:?}: must be an IPv4 prefix", self.pool)),
        }
    }
}

/// The running responder; [`SplitDns::stop`] gives the system its DNS settings back.
pub(crate) struct SplitDns {
    resolv_conf: ResolvConf,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl SplitDns {
    /// Starts the responder with the resources `resources` announces.
    pub(crate) async fn start(
        settings: &DnsSettings,
        state_dir: &Path,
        resources: watch::Receiver<Vec<Resource>>,
    ) -> Result<Self, AgentError> {
        let config_error = |reason| AgentError::Config { path: "dns".into(), reason };
        let pool = settings.synthetic_pool().map_err(config_error)?;
        std::fs::create_dir_all(state_dir)
            .map_err(|source| AgentError::Io { what: format!("creating {}", state_dir.display()), source })?;
        let resolv_conf = ResolvConf::new(&settings.resolv_conf, state_dir);
        if resolv_conf.recover()? {
            tracing::warn!(file = %settings.resolv_conf.display(), "restored the DNS settings an earlier run left rewritten");
        }
        let original = std::fs::read_to_string(&settings.resolv_conf)
            .map_err(|source| AgentError::Io { what: format!("reading {}", settings.resolv_conf.display()), source })?;
        let listen = settings.listen;
        let upstream =
            resolv_conf::nameservers(&original).into_iter().find(|s| s.ip() != listen.ip()).ok_or_else(|| {
                config_error(format!("{} names no nameserver to forward to", settings.resolv_conf.display()))
            })?;
        let sockets = dns_server::Sockets::bind(listen).await?;
        let listening = sockets.local_addr();
        let resolver = std::sync::Arc::new(std::sync::Mutex::new(Resolver::new(pool)));
        let mut tasks = dns_server::serve(sockets, upstream, resolver.clone());
        tasks.push(tokio::spawn(follow(resources, resolver)));
        resolv_conf.take_over(listening.ip())?;
        tracing::info!(
            listen = %listening,
            upstream = %upstream,
            resolv_conf = %settings.resolv_conf.display(),
            pool = %settings.pool,
            "split DNS started"
        );
        Ok(Self { resolv_conf, tasks })
    }

    /// Stops answering and restores the system's DNS settings.
    pub(crate) fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        match self.resolv_conf.restore() {
            Ok(()) => tracing::info!("split DNS stopped: the system's DNS settings are restored"),
            Err(error) => tracing::error!(%error, "the system's DNS settings could not be restored"),
        }
    }
}

/// Keeps the resolver's protected names those of the latest resource list.
async fn follow(mut resources: watch::Receiver<Vec<Resource>>, resolver: dns_server::SharedResolver) {
    loop {
        let list = resources.borrow_and_update().clone();
        let names: usize = list.iter().map(|r| r.names.len()).sum();
        if let Ok(mut resolver) = resolver.lock() {
            resolver.set_resources(&list);
        }
        tracing::info!(resources = list.len(), names, "split DNS names updated");
        if resources.changed().await.is_err() {
            return;
        }
    }
}
