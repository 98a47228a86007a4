//! `cargo xtask bench pings`: many held ActiveSync Pings from as many devices, through
//! posternd and then through nginx, against a back end that holds every request; the
//! resident memory each proxy adds per held Ping, side by side, and a block arriving
//! during the hold that must cut exactly the blocked device's Ping within a second.

use super::held_backend::HeldBackend;
use super::nginx::Nginx;
use super::ping_client::{self, PingEnd};
use super::pki::Pki;
use super::posternd::{self as daemon, Posternd};
use super::process::Placement;
use super::scratch::{Scratch, free_port};
use super::{cores, cpu, idle, loopback, raise_open_files, tls};
use crate::packages;
use crate::shell::{Result, StepError, cargo, exec, say};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use tokio::task::{JoinHandle, JoinSet};
use tokio_rustls::TlsConnector;

/// Pings being opened at once.
const IN_FLIGHT: usize = 128;
/// Devices sharing one source address: under the gateway's first-access budget per
/// address (60 a minute) and its per-address connection limit (256).
const DEVICES_PER_ADDRESS: usize = 50;
/// How long a proxy gets to settle before its memory is read.
const SETTLE: Duration = Duration::from_millis(1500);
/// How soon a block must cut the blocked device's Ping.
const CUT_WITHIN: Duration = Duration::from_secs(1);

/// Descriptors kept aside for everything but the held Pings (logs, listeners, the cache).
const DESCRIPTOR_RESERVE: u64 = 2048;

/// The open-file limit in force (raised as far as allowed), which every process of the
/// run inherits.
fn open_file_limit() -> Result<u64> {
    nix::sys::resource::getrlimit(nix::sys::resource::Resource::RLIMIT_NOFILE)
        .map(|(soft, _)| soft)
        .map_err(|e| StepError(format!("reading RLIMIT_NOFILE: {e}")))
}

/// How many of `wanted` Pings fit under `limit` open files per process: each takes two
/// descriptors in the proxy and two in this process (its client and its back-end end).
fn fitting(wanted: usize, limit: u64) -> usize {
    let room = usize::try_from(limit.saturating_sub(DESCRIPTOR_RESERVE) / 2).unwrap_or(usize::MAX);
    wanted.min(room)
}

/// Options of `cargo xtask bench pings`.
#[derive(clap::Args, Debug)]
pub(crate) struct PingArgs {
    /// With `pings`: held Pings, each from its own device.
    #[arg(long, default_value_t = 20_000)]
    pings: usize,
    /// With `pings`: seconds the back end holds each Ping.
    #[arg(long, default_value_t = 60)]
    hold_secs: u64,
}

/// What one proxy cost while holding the Pings.
#[derive(Debug, Clone, Copy)]
struct Held {
    pings: usize,
    opened_in: Duration,
    before_kib: u64,
    after_kib: u64,
}

impl Held {
    fn per_ping_kib(&self) -> f64 {
        self.after_kib.saturating_sub(self.before_kib) as f64 / self.pings.max(1) as f64
    }
}

/// The block during the hold: how long the blocked Ping took to end, and with what.
#[derive(Debug)]
struct Cut {
    status: u16,
    after_command: Duration,
    others_held: usize,
    others_ended: usize,
}

/// Runs the benchmark and prints its figures; a cut that misses its second is an error.
pub(crate) fn run(args: &PingArgs) -> Result {
    packages::ensure(packages::BENCH_PROXY_TOOLS)?;
    raise_open_files(
        u64::try_from(args.pings).unwrap_or(u64::MAX).saturating_mul(2).saturating_add(DESCRIPTOR_RESERVE),
    )?;
    let n = fitting(args.pings, open_file_limit()?);
    if n < args.pings {
        say(&format!(
            "{} Pings do not fit: a process may open at most {} files here (the hard RLIMIT_NOFILE, which only CAP_SYS_RESOURCE may raise), \
             and each held Ping takes two descriptors in the proxy (client and back end) and two here; measuring {n}",
            args.pings,
            open_file_limit()?
        ));
    }
    let (binary, client) = build()?;
    let (proxy_cpu, _) = cores();
    let scratch = Scratch::new()?;
    let pki = Pki::create(scratch.path(), &[])?;
    let tls = tls::connector(&pki.ca, None)?;
    let hold = Duration::from_secs(args.hold_secs);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| StepError(format!("starting the async runtime: {e}")))?;

    say(&format!(
        "posternd: {n} held Pings from {n} devices (static UEM, all compliant); the back end holds each {hold:?}"
    ));
    let (postern, cut) = {
        let backend = runtime.block_on(HeldBackend::start(hold))?;
        let mut config = daemon::config(&pki, backend.addr, &[], n)?;
        // The product's default cache size (the demo's is 1 000): every device stays cached,
        // as on a gateway sized for its fleet.
        config.device_cache.size = postern_config::DeviceCacheSettings::default().size;
        let (mut posternd, addrs) = Posternd::start(
            &binary,
            &scratch,
            "posternd-pings",
            &config,
            &[("--listen", "ActiveSync proxy listening")],
            Placement::Pinned(proxy_cpu),
            "info",
        )?;
        let addr = *addrs.first().ok_or_else(|| StepError("posternd announced no ActiveSync listener".into()))?;
        let pid = posternd.pid();
        let (held, mut pings) =
            runtime.block_on(hold_all(&backend, addr, &tls, n, hold, &|| cpu::resident_kib(pid)))?;
        let socket = scratch.path().join("posternd-pings/cli.sock");
        let cut = runtime.block_on(block_one(&backend, &mut pings, &client, &socket, n / 2)).map_err(|e| {
            let log = std::fs::read_to_string(scratch.path().join("posternd-pings/posternd.log")).unwrap_or_default();
            let id = ping_client::device_id(n / 2);
            let lines: Vec<&str> = log.lines().filter(|l| l.contains(&id) || l.contains("cut")).take(20).collect();
            let shown = Command::new(&client)
                .arg("--socket")
                .arg(&socket)
                .arg("-c")
                .arg(format!("show device-cache {id}\nshow device-cache"))
                .output();
            let shown = shown.map(|o| String::from_utf8_lossy(&o.stdout).into_owned()).unwrap_or_default();
            StepError(format!("{e}\nposternd's log about {id}:\n{}\n{shown}", lines.join("\n")))
        })?;
        posternd.check_running()?;
        pings.into_iter().for_each(|ping| ping.abort());
        (held, cut)
    };
    say(&format!("nginx: the same {n} held Pings through its proxy_pass"));
    let nginx = {
        let backend = runtime.block_on(HeldBackend::start(hold))?;
        let peer = Nginx::holding_proxy(&scratch, loopback(free_port()?), backend.addr, &pki, n, proxy_cpu)?;
        let pids = peer.pids();
        let rss = || pids.iter().map(|&pid| cpu::resident_kib(pid)).sum::<Result<u64>>();
        let (held, pings) = runtime.block_on(hold_all(&backend, peer.addr, &tls, n, hold, &rss)).map_err(|e| {
            let log = std::fs::read_to_string(scratch.path().join("nginx-holding-error.log")).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(10).collect();
            StepError(format!("{e}\nnginx's error log, last lines first:\n{}", tail.join("\n")))
        })?;
        pings.into_iter().for_each(|ping| ping.abort());
        held
    };
    say("results");
    print!("{}", render(&postern, &nginx, &cut));
    if cut.status != 403 || cut.after_command > CUT_WITHIN || cut.others_ended > 0 {
        return Err(StepError(format!(
            "the block did not cut exactly the blocked device's Ping within {CUT_WITHIN:?}: {cut:?}"
        )));
    }
    Ok(())
}

/// Release builds of posternd and of the `postern` client (for the block).
fn build() -> Result<(PathBuf, PathBuf)> {
    let binary = daemon::build()?;
    exec(cargo().args(["build", "--quiet", "--release", "--package", "postern-cli-transport", "--bin", "postern"]))?;
    let client = binary.with_file_name("postern");
    if client.is_file() { Ok((binary, client)) } else { Err(StepError(format!("{} was not built", client.display()))) }
}

/// Reads the proxy's memory, opens `n` Pings, waits until the back end holds them all,
/// and reads the memory again. Returns the figures and each Ping's answer task.
async fn hold_all(
    backend: &HeldBackend,
    proxy: SocketAddr,
    tls: &TlsConnector,
    n: usize,
    hold: Duration,
    rss: &dyn Fn() -> Result<u64>,
) -> Result<(Held, Vec<JoinHandle<PingEnd>>)> {
    tokio::time::sleep(SETTLE).await;
    let before_kib = rss()?;
    let start = Instant::now();
    let mut pings: Vec<Option<JoinHandle<PingEnd>>> = (0..n).map(|_| None).collect();
    let mut running = JoinSet::new();
    let mut next = 0;
    loop {
        while running.len() < IN_FLIGHT && next < n {
            let (tls, device) = (tls.clone(), next);
            running.spawn(async move {
                (
                    device,
                    ping_client::send(proxy, idle::source_address(device / DEVICES_PER_ADDRESS), &tls, device).await,
                )
            });
            next += 1;
        }
        let Some(joined) = running.join_next().await else { break };
        let (device, sent) = joined.map_err(|e| StepError(format!("a Ping task failed: {e}")))?;
        pings[device] = Some(sent?);
    }
    while backend.held() < n {
        if start.elapsed() > hold / 2 {
            return Err(StepError(format!(
                "only {} of {n} Pings reached the back end in {:?}",
                backend.held(),
                start.elapsed()
            )));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let opened_in = start.elapsed();
    tokio::time::sleep(SETTLE).await;
    let after_kib = rss()?;
    let pings: Vec<_> = pings.into_iter().flatten().collect();
    let ended = pings.iter().filter(|p| p.is_finished()).count();
    if ended > 0 || backend.held() < n {
        return Err(StepError(format!(
            "{ended} Pings were answered before the measurement ended; the back end holds {}",
            backend.held()
        )));
    }
    Ok((Held { pings: n, opened_in, before_kib, after_kib }, pings))
}

/// Blocks device `victim` with `device-cache block` over the CLI socket and waits for its
/// Ping to end; then counts the others still held.
async fn block_one(
    backend: &HeldBackend,
    pings: &mut [JoinHandle<PingEnd>],
    client: &Path,
    socket: &Path,
    victim: usize,
) -> Result<Cut> {
    let id = ping_client::device_id(victim);
    let started = Instant::now();
    let out = Command::new(client)
        .arg("--socket")
        .arg(socket)
        .arg("-c")
        .arg(format!("device-cache block {id}"))
        .output()
        .map_err(|e| StepError(format!("running {}: {e}", client.display())))?;
    let returned = Instant::now();
    if !out.status.success() {
        return Err(StepError(format!(
            "device-cache block {id} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    say(&format!("blocked {id}: the command took {:?}", returned - started));
    let ping = pings.get_mut(victim).ok_or_else(|| StepError(format!("no Ping for device {victim}")))?;
    let end = tokio::time::timeout(Duration::from_secs(10), ping)
        .await
        .map_err(|_| StepError(format!("the Ping of {id} was still held 10 s after the block")))?;
    let end = end.map_err(|e| StepError(format!("the Ping task of {id} failed: {e}")))?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let others_ended = pings.iter().enumerate().filter(|(i, p)| *i != victim && p.is_finished()).count();
    Ok(Cut {
        status: end.status,
        after_command: end.at.saturating_duration_since(returned),
        others_held: backend.held(),
        others_ended,
    })
}

/// The table of the run.
fn render(postern: &Held, nginx: &Held, cut: &Cut) -> String {
    let row = |name: &str, h: &Held| {
        format!(
            "{name:<10} {:>7} {:>10.1} {:>12} {:>12} {:>14.2}\n",
            h.pings,
            h.opened_in.as_secs_f64(),
            h.before_kib,
            h.after_kib,
            h.per_ping_kib()
        )
    };
    let ratio = postern.per_ping_kib() / nginx.per_ping_kib().max(f64::MIN_POSITIVE);
    format!(
        "{:<10} {:>7} {:>10} {:>12} {:>12} {:>14}\n{}{}memory per held Ping, Postern/nginx: {ratio:.2}\n\
         block during the hold: the blocked Ping answered {} {} ms after the command returned; \
         {} other Pings still held at the back end, {} other Pings ended\n",
        "proxy",
        "pings",
        "open (s)",
        "RSS before",
        "RSS held",
        "KiB per Ping",
        row("Postern", postern),
        row("nginx", nginx),
        cut.status,
        cut.after_command.as_millis(),
        cut.others_held,
        cut.others_ended
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_are_bounded_by_the_descriptors_a_process_may_open() {
        assert_eq!(fitting(20_000, 1_048_576), 20_000);
        assert_eq!(fitting(20_000, 20_000), 8_976);
        assert_eq!(fitting(10, 100), 0);
    }

    #[test]
    fn memory_per_ping_is_the_growth_divided_by_the_pings() {
        let held = Held { pings: 20_000, opened_in: Duration::from_secs(9), before_kib: 10_000, after_kib: 410_000 };
        assert!((held.per_ping_kib() - 20.0).abs() < 1e-9);
        let cut = Cut { status: 403, after_command: Duration::from_millis(3), others_held: 19_999, others_ended: 0 };
        let table = render(&held, &Held { after_kib: 210_000, ..held }, &cut);
        assert!(table.contains("Postern/nginx: 2.00") && table.contains("19999 other Pings still held"), "{table}");
    }
}
