//! The daemon's TLS identity: its self-made certificate (made on first boot, after root is
//! given up), the pair the configuration names instead, and serving a committed change at
//! once through the proxies' certificate watchers.

use crate::error::DaemonError;
use postern_cli_commands::{ServedTls, TlsControl, TlsSource};
use postern_config::Config;
use postern_proxy_front::{CertificateWatcher, ReloadOutcome};
use postern_tls_identity::{ImportDir, SelfMade, ensure_self_made};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

/// The certificate and key files to serve, and where they come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Pair {
    /// Where the pair comes from.
    pub(crate) source: TlsSource,
    /// The certificate chain file.
    pub(crate) certificate: PathBuf,
    /// The private key file.
    pub(crate) key: PathBuf,
}

/// The daemon's TLS identity, shared with the CLI.
pub(crate) struct DaemonTls {
    dir: PathBuf,
    self_made: SelfMade,
    watchers: OnceLock<Vec<Arc<CertificateWatcher>>>,
    served: Mutex<Pair>,
}

/// The interface addresses of the configuration, without their prefix lengths.
fn addresses(config: &Config) -> Vec<IpAddr> {
    config
        .interfaces
        .iter()
        .flat_map(|i| i.addresses.iter())
        .filter_map(|a| a.split('/').next().and_then(|ip| ip.parse().ok()))
        .collect()
}

impl DaemonTls {
    /// Opens (or, on first boot, makes) the self-made identity in `STATE_DIR/tls`. Must
    /// run after root is given up, so the key belongs to the daemon's user.
    pub(crate) fn open(state_dir: &Path, running: &Config) -> Result<Self, DaemonError> {
        let dir = std::path::absolute(state_dir.join("tls"))
            .map_err(|source| DaemonError::Io { path: state_dir.join("tls"), source })?;
        let self_made = ensure_self_made(&dir.join("self"), &running.gateway.hostname, &addresses(running))
            .map_err(|e| DaemonError::Setting { setting: "tls (self-made identity)", reason: e.to_string() })?;
        tracing::info!(sha256 = %self_made.sha256, created = self_made.created, cert = %self_made.certificate.display(), "self-made TLS identity");
        let tls = Self {
            dir,
            self_made,
            watchers: OnceLock::new(),
            served: Mutex::new(Pair { source: TlsSource::SelfMade, certificate: PathBuf::new(), key: PathBuf::new() }),
        };
        let pair = tls.pair(running);
        *tls.served.lock().unwrap_or_else(PoisonError::into_inner) = pair;
        Ok(tls)
    }

    /// The pair `config` asks for: its files, or the self-made identity when it names none.
    pub(crate) fn pair(&self, config: &Config) -> Pair {
        match (&config.tls.certificate_file, &config.tls.key_file) {
            (Some(certificate), Some(key)) => {
                Pair { source: TlsSource::Installed, certificate: certificate.clone(), key: key.clone() }
            }
            _ => Pair {
                source: TlsSource::SelfMade,
                certificate: self.self_made.certificate.clone(),
                key: self.self_made.key.clone(),
            },
        }
    }

    /// Hands over the running listeners' certificate watchers (once, after they start).
    pub(crate) fn watch(&self, watchers: Vec<Arc<CertificateWatcher>>) {
        let _ = self.watchers.set(watchers);
    }
}

impl TlsControl for DaemonTls {
    fn imports(&self) -> ImportDir {
        ImportDir::new(self.dir.join("imported"))
    }

    fn served(&self) -> ServedTls {
        let pair = self.served.lock().unwrap_or_else(PoisonError::into_inner);
        ServedTls { source: pair.source, certificate: pair.certificate.clone() }
    }

    fn apply(&self, running: &Config) -> Result<(), String> {
        let pair = self.pair(running);
        let mut served = self.served.lock().unwrap_or_else(PoisonError::into_inner);
        if *served == pair {
            return Ok(());
        }
        for watcher in self.watchers.get().into_iter().flatten() {
            if let ReloadOutcome::Refused { reason } = watcher.use_files(&pair.certificate, &pair.key) {
                return Err(reason);
            }
        }
        tracing::info!(cert = %pair.certificate.display(), self_made = pair.source == TlsSource::SelfMade, "TLS certificate changed by a commit: served now");
        *served = pair;
        Ok(())
    }
}
