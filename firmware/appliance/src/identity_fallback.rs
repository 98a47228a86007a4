//! `apptunnel identity-from-common-name` as the listeners that identify devices by their
//! certificate read it (AppTunnel, Host Checker, the agents' control channel): a commit
//! changes it for the connections accepted afterwards.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Whether a certificate without the device URI is named by its subject common name.
/// Clones share the setting.
#[derive(Debug, Clone, Default)]
pub(crate) struct CommonNameFallback(Arc<AtomicBool>);

impl CommonNameFallback {
    /// The setting, `on` or off.
    pub(crate) fn new(on: bool) -> Self {
        Self(Arc::new(AtomicBool::new(on)))
    }

    /// Whether the fallback is on now.
    pub(crate) fn get(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Turns the fallback on or off for the next connections.
    pub(crate) fn set(&self, on: bool) {
        self.0.store(on, Ordering::Relaxed);
    }
}
