//! `management …` at commit: SSH and metrics move to the address and ports the committed
//! configuration gives them (bound through the privileged helper once root is gone, so
//! port 22 too), and the metrics' allowed sources change for the next connection. Sessions
//! open on SSH go on. It applies only while both listeners run and neither was placed by
//! a flag (`--ssh-listen`, `--metrics-listen`); otherwise these settings wait for `reload`.

use crate::binder::Binder;
use crate::management::{Flags, ManagementPlan};
use postern_cli_transport::SshRebind;
use postern_config::Config;
use postern_metrics::MetricsServer;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::watch;

/// The management plane's running listeners and what `show management` reports of them.
pub(crate) struct ManagementLive {
    flags: Flags,
    binder: Binder,
    ssh: SshRebind,
    metrics: Arc<Mutex<MetricsServer>>,
    status: Arc<Mutex<String>>,
}

impl ManagementLive {
    /// The follower, when commits can move the management plane: both listeners run, and
    /// neither was placed by a flag.
    pub(crate) fn new(
        flags: Flags,
        binder: Binder,
        ssh: Option<SshRebind>,
        metrics: Option<Arc<Mutex<MetricsServer>>>,
        status: Arc<Mutex<String>>,
    ) -> Option<Self> {
        if flags.ssh_listen.is_some() || flags.metrics_listen.is_some() {
            return None;
        }
        Some(Self { flags, binder, ssh: ssh?, metrics: metrics?, status })
    }

    /// Applies each published configuration until the sender goes away or `stop` is set.
    pub(crate) async fn follow(self, published: watch::Receiver<Arc<Config>>, stop: watch::Receiver<bool>) {
        crate::live::each_commit(published, stop, |before, after| {
            self.apply(&before, &after);
            std::future::ready(())
        })
        .await;
    }

    fn apply(&self, before: &Config, after: &Config) {
        let (old, new) =
            (ManagementPlan::decide_for(self.flags, Some(before)), ManagementPlan::decide_for(self.flags, Some(after)));
        if old.ssh != new.ssh {
            self.move_ssh(new.ssh);
        }
        let mut metrics = self.metrics.lock().unwrap_or_else(PoisonError::into_inner);
        if old.metrics != new.metrics {
            move_metrics(&self.binder, &mut metrics, new.metrics);
        }
        if old.allowed_text != new.allowed_text {
            metrics.set_allowed(new.metrics_allowed.clone());
            tracing::info!(metrics_allowed = %new.allowed_text, "metrics sources applied at commit");
        }
        let status = new.status(self.ssh.local_addr(), new.metrics.map(|_| metrics.local_addr()));
        *self.status.lock().unwrap_or_else(PoisonError::into_inner) = status;
    }

    fn move_ssh(&self, to: Option<SocketAddr>) {
        let Some(addr) = to else {
            self.ssh.stop_listening();
            return tracing::warn!("SSH stops listening: the configuration gives it no address; open sessions go on");
        };
        let moved = self
            .binder
            .bind(addr)
            .map_err(|e| e.to_string())
            .and_then(|listener| listener.into_std().map_err(|e| e.to_string()))
            .and_then(|listener| self.ssh.listen_on(listener).map_err(|e| e.to_string()));
        match moved {
            Ok(bound) => tracing::info!(addr = %bound, "SSH moved at commit; open sessions go on"),
            Err(reason) => tracing::error!(%addr, %reason, "SSH not moved; it keeps listening where it was"),
        }
    }
}

fn move_metrics(binder: &Binder, metrics: &mut MetricsServer, to: Option<SocketAddr>) {
    let Some(addr) = to else {
        metrics.stop();
        return tracing::warn!("metrics stop listening: the configuration gives them no address");
    };
    match binder.bind(addr).map_err(|e| e.to_string()).and_then(|l| metrics.move_to(l).map_err(|e| e.to_string())) {
        Ok(bound) => tracing::info!(addr = %bound, "metrics moved at commit"),
        Err(reason) => tracing::error!(%addr, %reason, "metrics not moved; they keep listening where they were"),
    }
}
