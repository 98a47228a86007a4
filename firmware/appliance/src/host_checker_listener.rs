//! Where the Host Checker verifier listens, and the parts of its TLS handshake a commit
//! changes: `host-checker enabled`, `host-checker port` (or `--host-checker-listen`, which
//! wins) and `host-checker sasl-mode`.

use crate::binder::Binder;
use crate::error::DaemonError;
use postern_config::{Config, HostCheckerSettings, SaslMode};
use postern_proxy_front::{CertificateWatcher, ClientAuth, ReloadOutcome};
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;
use tokio::net::TcpListener;

/// How long open PT-TLS sessions may go on when the verifier stops (posternd stopping, or
/// a commit disabling it); the rest are closed.
pub(crate) const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Where the verifier is to listen: `--host-checker-listen`, else every address on
/// `host_checker.port`; nowhere unless `host_checker.enabled`.
pub(crate) fn wanted(flag: Option<SocketAddr>, settings: &HostCheckerSettings) -> Option<SocketAddr> {
    settings.enabled.then(|| flag.unwrap_or(SocketAddr::from((Ipv4Addr::UNSPECIFIED, settings.port))))
}

/// The socket bound at start-up (as root, before the privileges go), if the verifier is
/// enabled.
pub(crate) async fn bind(
    flag: Option<SocketAddr>,
    startup: Option<&Config>,
) -> Result<Option<TcpListener>, DaemonError> {
    let Some(addr) = startup.and_then(|c| wanted(flag, &c.host_checker)) else { return Ok(None) };
    TcpListener::bind(addr)
        .await
        .map(Some)
        .map_err(|e| DaemonError::Setting { setting: "host_checker.port", reason: format!("cannot bind {addr}: {e}") })
}

/// Where the verifier listens and how it binds later.
pub(crate) struct Placement {
    /// The socket bound at start-up, if enabled then.
    pub(crate) tcp: Option<TcpListener>,
    /// `--host-checker-listen`.
    pub(crate) flag: Option<SocketAddr>,
    /// Binds the listener a commit starts or moves.
    pub(crate) binder: Binder,
}

/// The handshake's client-certificate policy for a SASL mode: with `optional` a client
/// without a certificate gets past the handshake (SASL may stand in for it; `plan` refuses
/// it per session otherwise).
pub(crate) fn client_auth(mode: SaslMode, ca: PathBuf) -> ClientAuth {
    match mode {
        SaslMode::Optional => ClientAuth::Optional(ca),
        _ => ClientAuth::Required(ca),
    }
}

/// Switches the verifier's handshake to a committed SASL mode; the next handshakes use it.
pub(crate) fn follow_sasl_mode(watcher: &CertificateWatcher, mode: SaslMode) {
    let outcome = watcher.reconfigure(|settings| {
        let ca = match &settings.client_auth {
            ClientAuth::Required(ca) | ClientAuth::Optional(ca) => ca.clone(),
            _ => return,
        };
        settings.client_auth = client_auth(mode, ca);
    });
    match outcome {
        ReloadOutcome::Refused { reason } => {
            tracing::error!(%reason, "Host Checker SASL mode not applied to the handshake")
        }
        _ => tracing::info!(mode = mode.as_str(), "Host Checker SASL mode changed by a commit: in effect now"),
    }
}

/// Follows each published commit at once (the daemon's one-second tick follows too).
pub(crate) async fn follow_commits(
    plane: std::sync::Arc<crate::host_checker::HostCheckerPlane>,
    mut commits: tokio::sync::watch::Receiver<std::sync::Arc<Config>>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            changed = commits.changed() => if changed.is_err() { return },
            _ = stop.changed() => return,
        }
        let settings = commits.borrow_and_update().host_checker.clone();
        plane.follow(&settings);
    }
}
