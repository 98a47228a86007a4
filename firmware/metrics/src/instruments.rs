//! The instruments handed out by the registry: cheap clones sharing one atomic value.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

/// A monotonically increasing count.
#[derive(Debug, Clone, Default)]
pub struct Counter(Arc<AtomicU64>);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.add(1);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The current count.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A value that goes up and down (live connections, open tunnels).
#[derive(Debug, Clone, Default)]
pub struct Gauge(Arc<AtomicI64>);

impl Gauge {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Subtracts one.
    pub fn dec(&self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }

    /// Sets the value.
    pub fn set(&self, value: i64) {
        self.0.store(value, Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> i64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A family of counters told apart by one label whose values are fixed when the
/// family is registered, so its cardinality is bounded.
#[derive(Debug, Clone)]
pub struct LabelledCounter {
    pub(crate) label: Arc<str>,
    pub(crate) series: Arc<[(Arc<str>, Counter)]>,
}

impl LabelledCounter {
    /// The counter for `value`, or `None` when `value` was not declared.
    pub fn with(&self, value: &str) -> Option<&Counter> {
        self.series.iter().find(|(v, _)| v.as_ref() == value).map(|(_, c)| c)
    }

    /// Adds one to the series for `value`; returns false (and counts nothing) when
    /// `value` was not declared.
    pub fn inc(&self, value: &str) -> bool {
        self.with(value).map(Counter::inc).is_some()
    }

    /// The current count for `value` (0 when undeclared).
    pub fn get(&self, value: &str) -> u64 {
        self.with(value).map_or(0, Counter::get)
    }

    /// The label's name.
    pub fn label(&self) -> &str {
        &self.label
    }
}
