//! Whether this gateway wants new connections: what a load balancer's health check reads.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The path of the health answer, on the management listener and on the ActiveSync
/// listener.
pub const HEALTH_PATH: &str = "/health";

/// Serving until [`Health::withdraw`] is called (a graceful shutdown began); cheap to
/// clone, every clone sees the same state.
#[derive(Debug, Clone, Default)]
pub struct Health {
    withdrawn: Arc<AtomicBool>,
}

impl Health {
    /// A gateway that wants new connections.
    pub fn serving() -> Self {
        Self::default()
    }

    /// From now on, the health answer says the gateway is going away.
    pub fn withdraw(&self) {
        self.withdrawn.store(true, Ordering::Release);
    }

    /// Whether the gateway still wants new connections.
    pub fn is_serving(&self) -> bool {
        !self.withdrawn.load(Ordering::Acquire)
    }

    /// The HTTP status and body of the health answer: `200 serving` or
    /// `503 withdrawn: shutting down`.
    pub fn answer(&self) -> (u16, &'static str) {
        if self.is_serving() { (200, "serving\n") } else { (503, "withdrawn: shutting down\n") }
    }
}
