//! The AppTunnel figures, on a fresh posternd: resident memory per idle tunnel, then bulk
//! throughput through a tunnel against a direct connection.

use super::bulk;
use super::idle::{self, Device, IdleMemory};
use super::nginx::FileServers;
use super::pki::Pki;
use super::posternd::{self, Posternd};
use super::process::Placement;
use super::report::Bulk;
use super::scratch::Scratch;
use super::tls;
use crate::shell::{Result, StepError, say};
use std::path::Path;
use std::time::Duration;

/// Tunnels per device: below the daemon's default per-device connection limit (64), with
/// room for each device's warm-up tunnel.
pub(crate) const TUNNELS_PER_DEVICE: usize = 50;
/// Transfers each way, alternating; the fastest of each counts (the machine is shared).
const BULK_ROUNDS: usize = 2;
/// The bulk file's name in the back end's file server.
pub(crate) const BULK_FILE: &str = "bulk";

/// What to measure.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Plan {
    /// Bytes of the bulk transfer (0: skipped).
    pub(crate) bulk_bytes: u64,
    /// Idle tunnels to hold open (0: skipped).
    pub(crate) idle_tunnels: usize,
    /// The core posternd is pinned to, if any.
    pub(crate) cpu: Option<usize>,
    /// The core curl is pinned to for the bulk transfers, if any (the back end's).
    pub(crate) client_cpu: Option<usize>,
}

impl Plan {
    /// How many devices the idle tunnels are spread over (at least one, for the bulk test).
    pub(crate) fn devices(&self) -> usize {
        self.idle_tunnels.div_ceil(TUNNELS_PER_DEVICE).max(1)
    }
}

/// Runs the plan against a new posternd serving AppTunnel; `files` are the back end's file
/// servers, which hold the bulk file; `log` is posternd's log filter.
pub(crate) fn measure(
    binary: &Path,
    scratch: &Scratch,
    pki: &Pki,
    plan: Plan,
    files: FileServers,
    log: &str,
) -> Result<(Option<Bulk>, Option<IdleMemory>)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| StepError(format!("starting the async runtime: {e}")))?;
    let (silent, _silent_task) = runtime.block_on(idle::silent_backend())?;
    let devices = plan.devices();
    let config =
        posternd::config(pki, silent, &[("idle", silent), ("bulk", files.tls), ("bulk-plain", files.plain)], devices)?;
    let (mut daemon, addrs) = Posternd::start(
        binary,
        scratch,
        "posternd-apptunnel",
        &config,
        &[("--apptunnel-listen", "AppTunnel listening")],
        Placement::Pinned(plan.cpu),
        log,
    )?;
    let gateway = *addrs.first().ok_or_else(|| StepError("posternd announced no AppTunnel listener".into()))?;
    let memory = if plan.idle_tunnels > 0 {
        let identities = (0..devices)
            .map(|n| {
                let (cert, key) = pki.device(&posternd::bench_device(n));
                Ok(Device { tls: tls::connector(&pki.ca, Some((&cert, &key)))?, from: idle::source_address(n) })
            })
            .collect::<Result<Vec<_>>>()?;
        let per_device = plan.idle_tunnels.div_ceil(devices);
        say(&format!("AppTunnel: {} idle tunnels from {devices} devices", per_device * devices));
        Some(runtime.block_on(idle::measure(daemon.pid(), gateway, &identities, per_device, silent))?)
    } else {
        None
    };
    let throughput = if plan.bulk_bytes > 0 {
        say(&format!(
            "AppTunnel: {} MiB direct over TLS, then through a tunnel to the plain and the TLS server, best of {BULK_ROUNDS} each",
            plan.bulk_bytes / 1_048_576
        ));
        let https = format!("https://{}/{BULK_FILE}", files.tls);
        let http = format!("http://{}/{BULK_FILE}", files.plain);
        let device = posternd::bench_device(0);
        let (mut direct, mut tunnelled, mut tls_in_tunnel) = (Duration::MAX, Duration::MAX, Duration::MAX);
        for _ in 0..BULK_ROUNDS {
            let (bytes, cpu) = (plan.bulk_bytes, plan.client_cpu);
            direct = direct.min(bulk::direct(pki, &https, bytes, cpu)?);
            tunnelled = tunnelled.min(bulk::tunnelled(pki, gateway, &device, &http, bytes, cpu)?);
            tls_in_tunnel = tls_in_tunnel.min(bulk::tunnelled(pki, gateway, &device, &https, bytes, cpu)?);
        }
        Some(Bulk { bytes: plan.bulk_bytes, direct, tunnelled, tls_in_tunnel })
    } else {
        None
    };
    daemon.check_running()?;
    Ok((throughput, memory))
}
