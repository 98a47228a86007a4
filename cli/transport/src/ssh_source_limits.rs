//! Per-source limits before an SSH login, sans-IO: how many unauthenticated connections one
//! source may hold, and how many failed login attempts it may make in a window before its
//! new connections are closed at once. The caller passes the time in.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::time::{Duration, Instant};

/// The per-source limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLimitsConfig {
    /// Unauthenticated connections one source may hold at once.
    pub max_unauthenticated: usize,
    /// Failed login attempts one source may make in one window; once reached, its new
    /// connections are closed at once until the window ends.
    pub max_failures: u32,
    /// The window, starting at a source's first failure.
    pub window: Duration,
    /// Sources remembered at once; when full, the one whose window began earliest and that
    /// holds no connection is forgotten first.
    pub max_sources: usize,
}

impl Default for SourceLimitsConfig {
    /// 4 unauthenticated connections, 10 failures a minute, 4096 sources.
    fn default() -> Self {
        Self { max_unauthenticated: 4, max_failures: 10, window: Duration::from_secs(60), max_sources: 4096 }
    }
}

/// Whether a new connection from a source may go on to the login.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// It may; the caller reports its end or its login.
    Admitted,
    /// The source holds as many unauthenticated connections as allowed.
    TooManyUnauthenticated,
    /// The source failed too often in the current window, which ends at `until`.
    Blocked {
        /// When the window ends.
        until: Instant,
    },
}

/// What one source did recently.
#[derive(Debug, Clone, Copy)]
struct SourceState {
    unauthenticated: usize,
    failures: u32,
    window_start: Instant,
}

/// The per-source accounting: a bounded table of sources.
#[derive(Debug)]
pub struct SourceLimits {
    config: SourceLimitsConfig,
    sources: HashMap<IpAddr, SourceState>,
}

/// The key a source is counted under: an IPv4 address, or the /64 of an IPv6 address (one
/// host usually holds a whole /64). An IPv4-mapped IPv6 address counts as IPv4.
pub fn source_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
        v4 => v4,
    }
}

impl SourceLimits {
    /// An empty table with these limits.
    pub fn new(config: SourceLimitsConfig) -> Self {
        Self { config, sources: HashMap::new() }
    }

    /// Decides on a new connection from `source`; an admitted one counts as unauthenticated
    /// until [`SourceLimits::authenticated`] or [`SourceLimits::closed`].
    pub fn admit(&mut self, source: IpAddr, now: Instant) -> Admission {
        let key = source_key(source);
        let config = self.config;
        if !self.sources.contains_key(&key) {
            self.make_room(now);
        }
        let state =
            self.sources.entry(key).or_insert(SourceState { unauthenticated: 0, failures: 0, window_start: now });
        expire(state, now, config.window);
        if state.failures >= config.max_failures {
            return Admission::Blocked { until: state.window_start + config.window };
        }
        if state.unauthenticated >= config.max_unauthenticated {
            return Admission::TooManyUnauthenticated;
        }
        state.unauthenticated += 1;
        Admission::Admitted
    }

    /// Counts a failed login attempt from `source`; returns whether the source is now
    /// blocked for the rest of its window.
    pub fn failed(&mut self, source: IpAddr, now: Instant) -> bool {
        let config = self.config;
        let Some(state) = self.sources.get_mut(&source_key(source)) else {
            return false;
        };
        expire(state, now, config.window);
        if state.failures == 0 {
            state.window_start = now;
        }
        state.failures = state.failures.saturating_add(1);
        state.failures >= config.max_failures
    }

    /// Whether `source` is blocked now.
    pub fn is_blocked(&mut self, source: IpAddr, now: Instant) -> bool {
        let config = self.config;
        self.sources.get_mut(&source_key(source)).is_some_and(|state| {
            expire(state, now, config.window);
            state.failures >= config.max_failures
        })
    }

    /// An admitted connection from `source` logged in: it no longer counts as
    /// unauthenticated.
    pub fn authenticated(&mut self, source: IpAddr) {
        self.release(source);
    }

    /// An admitted connection from `source` ended without logging in.
    pub fn closed(&mut self, source: IpAddr) {
        self.release(source);
    }

    /// How many sources are remembered.
    pub fn len(&self) -> usize {
        self.sources.len()
    }

    /// Whether no source is remembered.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    fn release(&mut self, source: IpAddr) {
        if let Some(state) = self.sources.get_mut(&source_key(source)) {
            state.unauthenticated = state.unauthenticated.saturating_sub(1);
        }
    }

    /// Frees one slot when the table is full: forgets the sources with nothing to remember,
    /// else the idle one whose window began earliest.
    fn make_room(&mut self, now: Instant) {
        if self.sources.len() < self.config.max_sources {
            return;
        }
        let window = self.config.window;
        self.sources.retain(|_, s| s.unauthenticated > 0 || (s.failures > 0 && now < s.window_start + window));
        if self.sources.len() < self.config.max_sources {
            return;
        }
        let oldest = self
            .sources
            .iter()
            .filter(|(_, s)| s.unauthenticated == 0)
            .min_by_key(|(_, s)| s.window_start)
            .map(|(key, _)| *key);
        if let Some(key) = oldest {
            self.sources.remove(&key);
        }
    }
}

/// Starts a new window when the current one has ended.
fn expire(state: &mut SourceState, now: Instant, window: Duration) {
    if now >= state.window_start + window {
        state.failures = 0;
        state.window_start = now;
    }
}

#[cfg(test)]
#[path = "ssh_source_limits_tests.rs"]
mod tests;
