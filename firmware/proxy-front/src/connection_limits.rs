//! Connection limits, overall and per client IP address. A permit is held for the
//! connection's whole life and released (and the live gauge lowered) when dropped.

use postern_metrics::Gauge;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

/// How many connections may be open at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Over all clients.
    pub max_total: usize,
    /// From any one IP address.
    pub max_per_ip: usize,
}

impl Default for ConnectionLimits {
    /// 10 000 in total, 256 per IP address.
    fn default() -> Self {
        Self { max_total: 10_000, max_per_ip: 256 }
    }
}

/// Which limit refused a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// `max_total` connections are open.
    Total,
    /// `max_per_ip` connections from this address are open.
    PerIp,
}

impl Refusal {
    /// The metric label.
    pub fn label(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::PerIp => "per_ip",
        }
    }
}

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    per_ip: HashMap<IpAddr, usize>,
}

/// Counts open connections against the limits.
#[derive(Debug, Clone)]
pub(crate) struct ConnectionTracker {
    limits: ConnectionLimits,
    counts: Arc<Mutex<Counts>>,
    live: Gauge,
}

/// One admitted connection; dropping it releases its slot.
#[derive(Debug)]
pub(crate) struct ConnectionPermit {
    ip: IpAddr,
    counts: Arc<Mutex<Counts>>,
    live: Gauge,
}

impl ConnectionTracker {
    pub(crate) fn new(limits: ConnectionLimits, live: Gauge) -> Self {
        Self { limits, counts: Arc::default(), live }
    }

    /// Admits a connection from `ip`, or says which limit it hit.
    pub(crate) fn try_admit(&self, ip: IpAddr) -> Result<ConnectionPermit, Refusal> {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if counts.total >= self.limits.max_total {
            return Err(Refusal::Total);
        }
        let from_ip = counts.per_ip.entry(ip).or_insert(0);
        if *from_ip >= self.limits.max_per_ip {
            return Err(Refusal::PerIp);
        }
        *from_ip += 1;
        counts.total += 1;
        self.live.inc();
        Ok(ConnectionPermit { ip, counts: Arc::clone(&self.counts), live: self.live.clone() })
    }
}

impl Drop for ConnectionPermit {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.total = counts.total.saturating_sub(1);
        if let Some(n) = counts.per_ip.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                counts.per_ip.remove(&self.ip);
            }
        }
        self.live.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_release() {
        let live = Gauge::default();
        let t = ConnectionTracker::new(ConnectionLimits { max_total: 3, max_per_ip: 2 }, live.clone());
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let p1 = t.try_admit(a);
        let p2 = t.try_admit(a);
        assert!(p1.is_ok() && p2.is_ok());
        assert_eq!(t.try_admit(a).err(), Some(Refusal::PerIp));
        let p3 = t.try_admit(b);
        assert!(p3.is_ok());
        assert_eq!(t.try_admit(b).err(), Some(Refusal::Total));
        assert_eq!(live.get(), 3);
        drop(p1);
        assert_eq!(live.get(), 2);
        assert!(t.try_admit(a).is_ok(), "a released slot is reusable");
        assert_eq!(live.get(), 2, "the temporary permit was dropped again");
    }
}
