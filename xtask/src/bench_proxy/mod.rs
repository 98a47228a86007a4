//! `cargo xtask bench proxy`: Postern and nginx side by side on loopback. wrk sends ~1 KiB
//! ActiveSync POSTs through each proxy (keep-alive, then a new TLS connection per
//! request, resumed as wrk does; then our own generator with a full handshake each time)
//! to the same nginx back end; each proxy's CPU time per request is read from
//! /proc. Then, on a fresh posternd, resident memory per idle AppTunnel, and AppTunnel
//! bulk throughput (curl through a tunnel) against a direct TLS connection.

mod activesync;
mod apptunnel;
mod bulk;
mod cpu;
mod handshake_load;
mod held_backend;
mod idle;
mod nginx;
mod ping_client;
mod pings;
mod pki;
mod posternd;
mod process;
mod report;
mod scratch;
mod task;
mod tls;
mod tunnel;
mod wrk;

pub(crate) use pings::{PingArgs, run as run_pings};

use crate::packages;
use crate::shell::{Result, StepError, say};
use activesync::{Contender, Load};
use nginx::{FileServers, Nginx};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use posternd::Posternd;
use process::Placement;
use scratch::{Scratch, free_port};
use std::net::SocketAddr;

/// The AppTunnel targets: tunnel throughput at least this fraction of direct (with curl
/// pinned, the same core for both), and less than this many KiB of daemon memory per idle
/// tunnel.
const BULK_TARGET: f64 = 0.95;
const IDLE_TARGET_KIB: f64 = 64.0;

/// Options of `cargo xtask bench proxy`.
#[derive(clap::Args, Debug)]
pub(crate) struct ProxyArgs {
    /// With `proxy`: seconds wrk drives each proxy in each scenario.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// With `proxy`: connections wrk keeps open.
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// With `proxy`: MiB of the AppTunnel bulk transfer (0 skips it).
    #[arg(long, default_value_t = 1024)]
    bulk_mib: u64,
    /// With `proxy`: idle AppTunnels held open for the memory figure (0 skips it).
    #[arg(long, default_value_t = 5000)]
    idle_tunnels: usize,
    /// With `proxy`: posternd's log filter (RUST_LOG syntax); the default logs every
    /// decision and request, as in production.
    #[arg(long, default_value = "info")]
    postern_log: String,
    /// With `proxy`: run only these ActiveSync scenarios (repeatable; all when none).
    #[arg(long = "only", value_enum)]
    only: Vec<activesync::Which>,
    /// With `proxy`: a posternd binary to run instead of building one (to compare builds).
    #[arg(long)]
    posternd: Option<std::path::PathBuf>,
}

/// Raises this process's open-file limit (inherited by everything it starts) so that
/// thousands of tunnels fit, on both ends.
fn raise_open_files(needed: u64) -> Result {
    let (soft, hard) =
        getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| StepError(format!("reading RLIMIT_NOFILE: {e}")))?;
    if soft >= needed {
        return Ok(());
    }
    // Raising the hard limit needs privileges; otherwise go as far as it allows.
    if setrlimit(Resource::RLIMIT_NOFILE, needed, needed.max(hard)).is_err() {
        setrlimit(Resource::RLIMIT_NOFILE, needed.min(hard), hard)
            .map_err(|e| StepError(format!("raising RLIMIT_NOFILE: {e}")))?;
    }
    let (now, _) = getrlimit(Resource::RLIMIT_NOFILE).map_err(|e| StepError(format!("reading RLIMIT_NOFILE: {e}")))?;
    if now < needed {
        say(&format!(
            "warning: only {now} open files allowed ({needed} wanted); figures that need many connections may fail or be measured on fewer"
        ));
    }
    Ok(())
}

/// Proxies get core 0 and the load (wrk, the back end) core 1, when there are two.
fn cores() -> (Option<usize>, Option<usize>) {
    match std::thread::available_parallelism() {
        Ok(n) if n.get() >= 2 => (Some(0), Some(1)),
        _ => (None, None),
    }
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// What both proxies of a comparison are started with.
struct Pair<'a> {
    binary: &'a std::path::Path,
    scratch: &'a Scratch,
    pki: &'a pki::Pki,
    backend: SocketAddr,
    log: &'a str,
}

impl Pair<'_> {
    /// Starts posternd and nginx as proxies to the back end, placed as `placement` says
    /// (`names` name their files), runs `compare` on them, then stops both.
    fn run<T>(
        &self,
        placement: Placement,
        names: (&str, &'static str),
        compare: impl FnOnce(&Contender<'_>, &Contender<'_>) -> Result<T>,
    ) -> Result<T> {
        let config = posternd::config(self.pki, self.backend, &[], 0)?;
        let listener = [("--listen", "ActiveSync proxy listening")];
        let (mut daemon, addrs) =
            Posternd::start(self.binary, self.scratch, names.0, &config, &listener, placement, self.log)?;
        let postern_addr =
            *addrs.first().ok_or_else(|| StepError("posternd announced no ActiveSync listener".into()))?;
        let peer = Nginx::proxy(self.scratch, names.1, loopback(free_port()?), self.backend, self.pki, placement)?;
        let daemon_pid = daemon.pid();
        let postern_pids = move || vec![daemon_pid];
        let nginx_pids = || peer.pids();
        let postern = Contender { name: "Postern", addr: postern_addr, pids: &postern_pids };
        let nginx = Contender { name: "nginx", addr: peer.addr, pids: &nginx_pids };
        let outcome = compare(&postern, &nginx)?;
        daemon.check_running()?;
        Ok(outcome)
    }
}

/// Runs the whole comparison and prints the table and the verdicts. Missed targets are
/// reported, never an error: the machine is shared and noisy.
pub(crate) fn run(args: &ProxyArgs) -> Result {
    packages::ensure(packages::BENCH_PROXY_TOOLS)?;
    raise_open_files(u64::try_from(args.idle_tunnels).unwrap_or(u64::MAX).saturating_mul(3).saturating_add(4096))?;
    let binary = match &args.posternd {
        Some(path) if path.is_file() => path.clone(),
        Some(path) => return Err(StepError(format!("no posternd binary at {}", path.display()))),
        None => posternd::build()?,
    };
    let (proxy_cpu, load_cpu) = cores();
    let scratch = Scratch::new()?;
    let plan = apptunnel::Plan {
        bulk_bytes: args.bulk_mib.saturating_mul(1_048_576),
        idle_tunnels: args.idle_tunnels,
        cpu: proxy_cpu,
        client_cpu: load_cpu,
    };
    let devices: Vec<String> = (0..plan.devices()).map(posternd::bench_device).collect();
    say(&format!("making certificates (ECDSA P-256) for the proxies and {} devices", devices.len()));
    let pki = pki::Pki::create(scratch.path(), &devices)?;
    bulk::make_file(&scratch.path().join("www"), apptunnel::BULK_FILE, plan.bulk_bytes)?;
    let files = FileServers { tls: loopback(free_port()?), plain: loopback(free_port()?) };
    let backend = Nginx::backend(&scratch, loopback(free_port()?), files, &pki, load_cpu)?;
    say(&format!(
        "back end: nginx on {}; proxies pinned to CPU {proxy_cpu:?}, wrk and back end to CPU {load_cpu:?}",
        backend.addr
    ));
    let device = (posternd::ACTIVESYNC_USER, posternd::ACTIVESYNC_DEVICE);
    let pair = Pair { binary: &binary, scratch: &scratch, pki: &pki, backend: backend.addr, log: &args.postern_log };
    let one = Placement::Pinned(proxy_cpu);
    let load = Load { seconds: args.seconds, connections: args.connections, cpu: load_cpu, threads: 1 };
    let wanted = |which: activesync::Which| args.only.is_empty() || args.only.contains(&which);
    let pinned: Vec<_> = activesync::PINNED.iter().copied().filter(|w| wanted(*w)).collect();
    let mut scenarios = if pinned.is_empty() {
        Vec::new()
    } else {
        pair.run(one, ("posternd-activesync", "proxy"), |postern, nginx| {
            activesync::compare(&scratch, &pki.ca, postern, nginx, load, device, &pinned)
        })?
    };
    let all = std::thread::available_parallelism().map_or(1, |n| u16::try_from(n.get()).unwrap_or(u16::MAX));
    if all > 1 && wanted(activesync::Which::AllWorkers) {
        let load = Load { connections: args.connections * u32::from(all), cpu: None, threads: all, ..load };
        scenarios.push(pair.run(Placement::Spread(all), ("posternd-spread", "proxy-spread"), |postern, nginx| {
            activesync::compare_spread(&scratch, &pki.ca, postern, nginx, load, device)
        })?);
    }
    let (bulk, idle) = if plan.bulk_bytes > 0 || plan.idle_tunnels > 0 {
        apptunnel::measure(&binary, &scratch, &pki, plan, files, &args.postern_log)?
    } else {
        (None, None)
    };
    say("results");
    print!("{}", report::render(&scenarios, bulk.as_ref(), idle.as_ref(), IDLE_TARGET_KIB, BULK_TARGET));
    Ok(())
}
