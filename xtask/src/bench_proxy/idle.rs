//! Resident memory per idle tunnel: many tunnels to a TCP back end that accepts and then
//! never speaks, held open while the daemon's VmRSS is read.

use super::cpu;
use super::task::TaskGuard;
use super::tunnel::{self, Tunnel};
use crate::shell::{Result, StepError};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsConnector;

/// Tunnels being opened at once.
const IN_FLIGHT: usize = 64;
/// How long the daemon gets to settle before its memory is read.
const SETTLE: Duration = Duration::from_millis(1500);

/// One device: its TLS identity and the loopback address it connects from (so neither
/// the per-device nor the per-address connection limit is what is measured).
#[derive(Clone)]
pub(crate) struct Device {
    /// The device certificate, as a client configuration.
    pub(crate) tls: TlsConnector,
    /// The source address of its connections.
    pub(crate) from: IpAddr,
}

/// The source address of device `n`: 127.1.0.1, 127.1.0.2, …
pub(crate) fn source_address(n: usize) -> IpAddr {
    let n = u32::try_from(n).unwrap_or(u32::MAX).min(0xFF_FFFE);
    IpAddr::V4(Ipv4Addr::from(0x7F01_0000u32 + n + 1))
}

/// The measured memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct IdleMemory {
    /// Tunnels held open for the measurement (beyond one warm-up tunnel per device).
    pub(crate) tunnels: usize,
    /// Daemon VmRSS with one tunnel per device open.
    pub(crate) before_kib: u64,
    /// Daemon VmRSS with all the tunnels open.
    pub(crate) after_kib: u64,
}

impl IdleMemory {
    /// Resident bytes added per tunnel.
    pub(crate) fn per_tunnel_bytes(&self) -> f64 {
        self.after_kib.saturating_sub(self.before_kib) as f64 * 1024.0 / self.tunnels.max(1) as f64
    }
}

/// A TCP back end that accepts connections and holds them without reading or writing.
pub(crate) async fn silent_backend() -> Result<(SocketAddr, TaskGuard)> {
    let listener =
        TcpListener::bind("127.0.0.1:0").await.map_err(|e| StepError(format!("binding the idle back end: {e}")))?;
    let addr = listener.local_addr().map_err(|e| StepError(format!("the idle back end's address: {e}")))?;
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((tcp, _)) = listener.accept().await {
            held.push(tcp);
        }
    });
    Ok((addr, TaskGuard(task)))
}

/// Opens `per_device` tunnels for each device to `target`, `IN_FLIGHT` at a time.
async fn open_many(
    gateway: SocketAddr,
    devices: &[Device],
    per_device: usize,
    target: SocketAddr,
) -> Result<Vec<Tunnel>> {
    let mut jobs = devices.iter().flat_map(|d| std::iter::repeat_n(d.clone(), per_device));
    let mut running = JoinSet::new();
    let mut open = Vec::with_capacity(devices.len() * per_device);
    loop {
        while running.len() < IN_FLIGHT {
            let Some(device) = jobs.next() else { break };
            running.spawn(async move { tunnel::open(gateway, device.from, &device.tls, target).await });
        }
        match running.join_next().await {
            Some(joined) => open.push(joined.map_err(|e| StepError(format!("a tunnel task failed: {e}")))??),
            None => return Ok(open),
        }
    }
}

/// Opens one warm-up tunnel per device (its first access, decided by the UEM), reads the
/// daemon's memory, opens `per_device` more per device, and reads it again.
pub(crate) async fn measure(
    daemon_pid: u32,
    gateway: SocketAddr,
    devices: &[Device],
    per_device: usize,
    target: SocketAddr,
) -> Result<IdleMemory> {
    let warm = open_many(gateway, devices, 1, target).await?;
    tokio::time::sleep(SETTLE).await;
    let before_kib = cpu::resident_kib(daemon_pid)?;
    let held = open_many(gateway, devices, per_device, target).await?;
    tokio::time::sleep(SETTLE).await;
    let after_kib = cpu::resident_kib(daemon_pid)?;
    let tunnels = held.len();
    drop(held);
    drop(warm);
    Ok(IdleMemory { tunnels, before_kib, after_kib })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_get_distinct_loopback_addresses() {
        let first = source_address(0);
        assert_eq!(first, IpAddr::V4(Ipv4Addr::new(127, 1, 0, 1)));
        assert_eq!(source_address(255), IpAddr::V4(Ipv4Addr::new(127, 1, 1, 0)));
        let all: std::collections::HashSet<IpAddr> = (0..1000).map(source_address).collect();
        assert_eq!(all.len(), 1000);
        assert!(all.iter().all(IpAddr::is_loopback));
    }

    #[test]
    fn memory_per_tunnel_is_the_growth_divided_by_the_count() {
        let m = IdleMemory { tunnels: 5000, before_kib: 10_000, after_kib: 60_000 };
        assert!((m.per_tunnel_bytes() - 10_240.0).abs() < 1e-9);
        let shrunk = IdleMemory { tunnels: 10, before_kib: 500, after_kib: 400 };
        assert_eq!(shrunk.per_tunnel_bytes(), 0.0);
    }
}
