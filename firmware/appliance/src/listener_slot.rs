//! A TLS listener that a commit starts, moves or stops, in front of a service whose state
//! (policies, sessions, metrics) lives on. A move binds the new address first (through the
//! [`Binder`]), serves it, and only then stops accepting on the old one; connections
//! already open there go on until they end (up to [`MOVED_DRAIN`]). A stop closes them as
//! the service's own shutdown does: they are told (`PeerInfo::shutdown`) and get the
//! service's grace period.

use crate::binder::Binder;
use postern_proxy_front::{
    CertificateWatcher, ConnectionService, FrontMetrics, Listener, ListenerConfig, ListenerHandle, PeerInfo,
};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// How long connections opened on a listener's old address may go on after a move.
pub(crate) const MOVED_DRAIN: Duration = Duration::from_secs(3600);

/// One listener generation: where it was asked to listen, its handle, and the signal its
/// connections see as `PeerInfo::shutdown`.
struct Running {
    wanted: SocketAddr,
    bound: SocketAddr,
    handle: ListenerHandle,
    sessions: watch::Sender<bool>,
}

/// A restartable listener of one service.
pub(crate) struct ListenerSlot<S> {
    what: &'static str,
    watcher: Arc<CertificateWatcher>,
    front: FrontMetrics,
    binder: Binder,
    service: Arc<S>,
    grace: Duration,
    running: Mutex<Option<Running>>,
    retired: Arc<Mutex<Vec<watch::Sender<bool>>>>,
    /// The last address a bind was refused for, so that a retry logs it once.
    refused: Mutex<Option<SocketAddr>>,
    /// Held for a whole [`Self::follow`], which both a commit and a periodic check call.
    following: Mutex<()>,
}

impl<S: ConnectionService> ListenerSlot<S> {
    /// A slot, not listening yet, for `service` (named `what` in the logs); `grace` is how
    /// long a stopped listener's connections have to finish.
    pub(crate) fn new(
        what: &'static str,
        watcher: Arc<CertificateWatcher>,
        front: FrontMetrics,
        binder: Binder,
        service: S,
        grace: Duration,
    ) -> Self {
        Self {
            what,
            watcher,
            front,
            binder,
            service: Arc::new(service),
            grace,
            running: Mutex::new(None),
            retired: Arc::default(),
            refused: Mutex::new(None),
            following: Mutex::new(()),
        }
    }

    /// Serves on `tcp` (bound at start-up, or by [`Self::follow`]) as asked for `wanted`;
    /// returns the address bound.
    pub(crate) fn serve_on(
        &self,
        wanted: SocketAddr,
        tcp: tokio::net::TcpListener,
    ) -> Result<SocketAddr, postern_proxy_front::FrontError> {
        let listener = Listener::on(tcp, ListenerConfig::default(), self.watcher.clone(), self.front.clone())?;
        let bound = listener.local_addr();
        let (sessions, told) = watch::channel(false);
        let service = self.service.clone();
        let handle = listener.serve(move |tls, mut peer: PeerInfo| {
            peer.shutdown = told.clone();
            let service = service.clone();
            async move { service.serve(tls, peer).await }
        });
        let old = self.lock().replace(Running { wanted, bound, handle, sessions });
        if let Some(old) = old {
            self.retire(old);
        }
        Ok(bound)
    }

    /// Listens on `wanted`, or nowhere for `None` (see [`Self::try_follow`]); a refused bind
    /// is logged once per address, and tried again at the next call.
    pub(crate) fn follow(&self, wanted: Option<SocketAddr>) {
        let _one_at_a_time = self.following.lock().unwrap_or_else(PoisonError::into_inner);
        let outcome = self.try_follow(wanted);
        let mut refused = self.refused.lock().unwrap_or_else(PoisonError::into_inner);
        match outcome {
            Ok(()) => *refused = None,
            Err(error) if *refused != wanted => {
                tracing::error!(listener = self.what, %error, "listener not moved: it stays where it was");
                *refused = wanted;
            }
            Err(_) => {}
        }
    }

    /// Starts, moves or stops the listener if it does not listen on `wanted` already. A
    /// bind that fails keeps the listener where it was; the error says why.
    fn try_follow(&self, wanted: Option<SocketAddr>) -> Result<(), postern_privileged_helper::BindError> {
        let current = self.lock().as_ref().map(|r| r.wanted);
        if current == wanted {
            return Ok(());
        }
        let Some(wanted) = wanted else {
            if let Some(old) = self.lock().take() {
                tracing::info!(listener = self.what, addr = %old.bound, "listener stopped by a commit");
                self.stop(old);
            }
            return Ok(());
        };
        let tcp = self.binder.bind(wanted)?;
        let bound = self
            .serve_on(wanted, tcp)
            .map_err(|e| postern_privileged_helper::BindError::Refused { address: wanted, reason: e.to_string() })?;
        match current {
            Some(old) => tracing::info!(listener = self.what, from = %old, addr = %bound, "listener moved by a commit"),
            None => tracing::info!(listener = self.what, addr = %bound, "listener started by a commit"),
        }
        Ok(())
    }

    /// Stops accepting, tells every connection (those of moved listeners too), and waits
    /// up to the grace period for them.
    pub(crate) async fn shutdown(&self) {
        for retired in self.retired.lock().unwrap_or_else(PoisonError::into_inner).drain(..) {
            let _ = retired.send(true);
        }
        let Some(running) = self.lock().take() else { return };
        let _ = running.sessions.send(true);
        let report = running.handle.shutdown(self.grace).await;
        tracing::info!(listener = self.what, ?report, "listener drained");
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Running>> {
        self.running.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stops accepting on a moved listener at once; its connections go on untold until
    /// they end or [`MOVED_DRAIN`] passes, then they are told and get the grace period.
    fn retire(&self, old: Running) {
        let Running { bound, handle, sessions, .. } = old;
        let (what, grace, retired) = (self.what, self.grace, self.retired.clone());
        retired.lock().unwrap_or_else(PoisonError::into_inner).push(sessions.clone());
        tokio::spawn(async move {
            let draining = handle.shutdown(MOVED_DRAIN + grace);
            tokio::pin!(draining);
            let report = tokio::select! {
                report = &mut draining => report,
                () = tokio::time::sleep(MOVED_DRAIN) => {
                    let _ = sessions.send(true);
                    draining.await
                }
            };
            retired.lock().unwrap_or_else(PoisonError::into_inner).retain(|s| !s.same_channel(&sessions));
            tracing::info!(listener = what, addr = %bound, ?report, "moved listener's last connections ended");
        });
    }

    /// Stops accepting and closes the connections as the service's shutdown does.
    fn stop(&self, old: Running) {
        let Running { bound, handle, sessions, .. } = old;
        let (what, grace) = (self.what, self.grace);
        let _ = sessions.send(true);
        tokio::spawn(async move {
            let report = handle.shutdown(grace).await;
            tracing::info!(listener = what, addr = %bound, ?report, "stopped listener drained");
        });
    }
}
