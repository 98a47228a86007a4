//! The ActiveSync comparison: the load against Postern and then nginx, for each kind of
//! connection (wrk; our own generator for full handshakes, since wrk resumes sessions),
//! with each proxy's CPU time read around the run.

use super::report::{Figure, ProxyRun, Scenario, Target};
use super::scratch::Scratch;
use super::wrk::{self, Connections, WrkResult};
use super::{cpu, handshake_load};
use crate::shell::{Result, StepError, say};
use std::net::SocketAddr;
use std::path::Path;

/// How the requests travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Traffic {
    /// wrk, in one of its modes (keep-alive; a new connection per request, resumed).
    Wrk(Connections),
    /// A new connection per request with a full handshake (never resumed).
    FullHandshake,
}

/// Seconds of unmeasured traffic before each run (pools filled, device decided and cached).
const WARM_UP_SECONDS: u64 = 1;

/// A proxy under test: where it listens and which processes are its own.
pub(crate) struct Contender<'a> {
    /// Its name in messages.
    pub(crate) name: &'static str,
    /// Its TLS listener.
    pub(crate) addr: SocketAddr,
    /// Its processes, read for CPU time.
    pub(crate) pids: &'a dyn Fn() -> Vec<u32>,
}

/// How wrk is run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Load {
    /// Seconds per measured run.
    pub(crate) seconds: u64,
    /// Connections wrk keeps open.
    pub(crate) connections: u32,
    /// The core wrk is pinned to, if any.
    pub(crate) cpu: Option<usize>,
    /// wrk's threads.
    pub(crate) threads: u16,
}

fn drive(
    scratch: &Scratch,
    ca: &Path,
    url: &str,
    who: &Contender<'_>,
    traffic: Traffic,
    load: Load,
    seconds: u64,
) -> Result<WrkResult> {
    match traffic {
        Traffic::Wrk(mode) => {
            let drive = wrk::Drive { connections: load.connections, threads: load.threads, cpu: load.cpu };
            wrk::run(scratch, url, mode, drive, seconds)
        }
        Traffic::FullHandshake => handshake_load::run(ca, who.addr, url, load.connections, seconds, load.cpu),
    }
}

/// Drives one proxy with one kind of traffic and reads its CPU time around the run.
fn measure(
    scratch: &Scratch,
    ca: &Path,
    who: &Contender<'_>,
    traffic: Traffic,
    load: Load,
    ticks: u64,
    device: (&str, &str),
) -> Result<ProxyRun> {
    let url = wrk::url(who.addr, device.0, device.1);
    drive(scratch, ca, &url, who, traffic, load, WARM_UP_SECONDS)?;
    let pids = (who.pids)();
    let before = cpu::cpu_time(&pids, ticks)?;
    let result = drive(scratch, ca, &url, who, traffic, load, load.seconds)?;
    let after = cpu::cpu_time(&pids, ticks)?;
    if result.requests == 0 {
        return Err(StepError(format!("{} answered no request ({traffic:?})", who.name)));
    }
    if result.errors * 100 > result.requests {
        say(&format!(
            "warning: {} had {} errors in {} requests ({traffic:?})",
            who.name, result.errors, result.requests
        ));
    }
    Ok(ProxyRun { wrk: result, cpu: after.since(&before) })
}

/// Each scenario's targets (Postern over nginx), as the proxy-speed contract states them.
const KEEP_ALIVE: &[Target] = &[
    Target { figure: Figure::UserCpu, bound: 0.8 },
    Target { figure: Figure::TotalCpu, bound: 1.0 },
    Target { figure: Figure::P99, bound: 1.0 },
];
const RESUMED: &[Target] =
    &[Target { figure: Figure::UserCpu, bound: 0.5 }, Target { figure: Figure::P99, bound: 1.0 }];
const TWO_WORKERS: &[Target] = &[Target { figure: Figure::Rate, bound: 1.0 }];
const FULL_HANDSHAKE: &[Target] =
    &[Target { figure: Figure::TotalCpu, bound: 0.6 }, Target { figure: Figure::P99, bound: 1.0 }];

/// A scenario, as `--only` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Which {
    /// Keep-alive, one worker each, pinned.
    KeepAlive,
    /// A new TLS connection per request, resumed (wrk).
    Resumed,
    /// A new TLS connection per request, full handshake.
    Full,
    /// Keep-alive with one worker per core, neither proxy pinned.
    AllWorkers,
}

/// The scenarios run with one pinned worker each, in order.
pub(crate) const PINNED: &[Which] = &[Which::KeepAlive, Which::Resumed, Which::Full];

/// The chosen scenarios of [`PINNED`], each proxy in turn: keep-alive, a new TLS
/// connection per request as wrk makes it (resumed), and a new one with a full handshake.
pub(crate) fn compare(
    scratch: &Scratch,
    ca: &Path,
    postern: &Contender<'_>,
    nginx: &Contender<'_>,
    load: Load,
    device: (&str, &str),
    which: &[Which],
) -> Result<Vec<Scenario>> {
    let plan = [
        (Which::KeepAlive, "keep-alive, 1 KiB POST", Traffic::Wrk(Connections::KeepAlive), KEEP_ALIVE),
        (Which::Resumed, "new TLS conn., resumed", Traffic::Wrk(Connections::NewPerRequest), RESUMED),
        (Which::Full, "new TLS conn., full", Traffic::FullHandshake, FULL_HANDSHAKE),
    ];
    plan.into_iter()
        .filter(|(w, ..)| which.contains(w))
        .map(|(_, name, traffic, targets)| {
            side_by_side(scratch, ca, (postern, nginx), load, device, (name, traffic, targets))
        })
        .collect()
}

/// Keep-alive with every proxy spread over all cores (as many workers as cores) and wrk
/// likewise: requests per second, Postern over nginx.
pub(crate) fn compare_spread(
    scratch: &Scratch,
    ca: &Path,
    postern: &Contender<'_>,
    nginx: &Contender<'_>,
    load: Load,
    device: (&str, &str),
) -> Result<Scenario> {
    let name = "keep-alive, all workers";
    side_by_side(scratch, ca, (postern, nginx), load, device, (name, Traffic::Wrk(Connections::KeepAlive), TWO_WORKERS))
}

fn side_by_side(
    scratch: &Scratch,
    ca: &Path,
    (postern, nginx): (&Contender<'_>, &Contender<'_>),
    load: Load,
    device: (&str, &str),
    (name, traffic, targets): (&'static str, Traffic, &'static [Target]),
) -> Result<Scenario> {
    let ticks = cpu::clock_ticks();
    say(&format!("{name}: Postern for {} s", load.seconds));
    let p = measure(scratch, ca, postern, traffic, load, ticks, device)?;
    say(&format!("{name}: nginx for {} s", load.seconds));
    let n = measure(scratch, ca, nginx, traffic, load, ticks, device)?;
    Ok(Scenario { name, postern: p, nginx: n, targets })
}
