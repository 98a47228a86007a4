//! Hot reload of the server certificate: the files are checked every few seconds (and
//! on demand), and a new pair that builds a valid configuration replaces the old one
//! atomically. Handshakes already under way or finished keep the configuration they
//! started with, so live connections are never dropped; a bad pair is refused, logged,
//! and the previous configuration stays in use.

use crate::error::FrontError;
use crate::front_metrics::FrontMetrics;
use crate::tls_config::{ClientAuth, TlsSettings, build_server_config};
use rustls::ServerConfig;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, SystemTime};
use tokio::task::JoinHandle;

/// What one check of the files found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReloadOutcome {
    /// The files are as they were at the last check.
    Unchanged,
    /// The files changed and the new configuration is in use for new connections.
    Reloaded,
    /// The files changed but do not make a valid configuration; the old one stays.
    Refused {
        /// Why the new files were refused.
        reason: String,
    },
}

/// Modification time, size and content hash of one file (`None` when unreadable).
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileStamp(Option<(Option<SystemTime>, u64, u64)>);

impl FileStamp {
    fn of(path: &Path) -> Self {
        let Ok(meta) = std::fs::metadata(path) else {
            return Self(None);
        };
        let Ok(bytes) = std::fs::read(path) else {
            return Self(None);
        };
        let mut hasher = DefaultHasher::new();
        bytes.hash(&mut hasher);
        Self(Some((meta.modified().ok(), meta.len(), hasher.finish())))
    }
}

fn stamps(settings: &TlsSettings) -> Vec<FileStamp> {
    let mut files = vec![FileStamp::of(&settings.cert_chain), FileStamp::of(&settings.private_key)];
    if let ClientAuth::Optional(ca) | ClientAuth::Required(ca) = &settings.client_auth {
        files.push(FileStamp::of(ca));
    }
    files
}

/// The current server configuration, swapped when the certificate files change.
#[derive(Debug)]
pub struct CertificateWatcher {
    current: RwLock<Arc<ServerConfig>>,
    /// The files in use and what they held at the last check.
    watched: Mutex<Watched>,
    metrics: FrontMetrics,
}

/// The settings whose files are watched, and their stamps at the last check.
#[derive(Debug)]
struct Watched {
    settings: TlsSettings,
    last_seen: Vec<FileStamp>,
}

impl CertificateWatcher {
    /// Loads the initial configuration; fails when the files do not make a valid one.
    pub fn new(settings: TlsSettings, metrics: FrontMetrics) -> Result<Arc<Self>, FrontError> {
        let seen = stamps(&settings);
        let config = build_server_config(&settings)?;
        Ok(Arc::new(Self {
            current: RwLock::new(config),
            watched: Mutex::new(Watched { settings, last_seen: seen }),
            metrics,
        }))
    }

    /// The configuration new connections use.
    pub fn current(&self) -> Arc<ServerConfig> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// The settings in use.
    pub fn settings(&self) -> TlsSettings {
        self.watched.lock().unwrap_or_else(PoisonError::into_inner).settings.clone()
    }

    /// Checks the files now and swaps the configuration if they changed and are valid.
    pub fn check_now(&self) -> ReloadOutcome {
        let mut watched = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        let now = stamps(&watched.settings);
        if watched.last_seen == now {
            return ReloadOutcome::Unchanged;
        }
        // Remember what was seen even when refused, so a bad pair is reported once
        // and retried only when the files change again.
        watched.last_seen = now;
        match build_server_config(&watched.settings) {
            Ok(config) => {
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = config;
                self.metrics.certificate_reloads.inc("reloaded");
                tracing::info!(cert = %watched.settings.cert_chain.display(), "TLS certificate reloaded");
                ReloadOutcome::Reloaded
            }
            Err(error) => {
                self.metrics.certificate_reloads.inc("refused");
                tracing::error!(%error, "new TLS certificate refused; the previous one stays in use");
                ReloadOutcome::Refused { reason: error.to_string() }
            }
        }
    }

    /// Serves the certificate chain and key from other files from now on (a configuration
    /// change), when they make a valid configuration; otherwise the files in use stay, and
    /// so does the configuration. Unchanged when the files are those in use.
    pub fn use_files(&self, cert_chain: &Path, private_key: &Path) -> ReloadOutcome {
        self.reconfigure(|settings| {
            settings.cert_chain = cert_chain.to_owned();
            settings.private_key = private_key.to_owned();
        })
    }

    /// Changes the settings in use (certificate files, client-certificate CA, TLS floor)
    /// for new connections when the changed settings make a valid configuration; otherwise
    /// the settings in use stay, and so does the configuration. Connections already open
    /// keep the configuration they began with.
    pub fn reconfigure(&self, change: impl FnOnce(&mut TlsSettings)) -> ReloadOutcome {
        let mut watched = self.watched.lock().unwrap_or_else(PoisonError::into_inner);
        let mut settings = watched.settings.clone();
        change(&mut settings);
        if settings == watched.settings {
            return ReloadOutcome::Unchanged;
        }
        let seen = stamps(&settings);
        match build_server_config(&settings) {
            Ok(config) => {
                *self.current.write().unwrap_or_else(PoisonError::into_inner) = config;
                tracing::info!(cert = %settings.cert_chain.display(), floor = ?settings.floor, client_auth = ?settings.client_auth, "TLS settings changed: new connections use them");
                *watched = Watched { settings, last_seen: seen };
                self.metrics.certificate_reloads.inc("reloaded");
                ReloadOutcome::Reloaded
            }
            Err(error) => {
                self.metrics.certificate_reloads.inc("refused");
                tracing::error!(%error, cert = %settings.cert_chain.display(), "new TLS settings refused; the previous ones stay in use");
                ReloadOutcome::Refused { reason: error.to_string() }
            }
        }
    }

    /// Checks the files every `interval` in a spawned task until it is aborted.
    pub fn spawn_periodic(self: &Arc<Self>, interval: Duration) -> JoinHandle<()> {
        let watcher = Arc::clone(self);
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                ticker.tick().await;
                let w = Arc::clone(&watcher);
                if tokio::task::spawn_blocking(move || w.check_now()).await.is_err() {
                    tracing::error!("certificate check task failed");
                }
            }
        })
    }
}
